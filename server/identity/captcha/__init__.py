"""The robot check ("mã xác nhận") on registration and public lookup: a picture of
five characters, the same characters read aloud, each challenge usable once.

Public API in `server.identity.captcha.service`: create_captcha, consume_captcha,
purge_expired_captchas. Kept import-free so `server.tables` can load the table
without pulling in Pillow."""
