from piccolo.columns import UUID, Bytea, Timestamptz, Varchar
from piccolo.table import Table


class CaptchaChallenge(Table, tablename="captcha_challenge"):
    id = UUID(primary_key=True)
    # The normalized answer, in clear: it protects nothing once the challenge
    # expires five minutes later, and tests read it as their oracle.
    answer = Varchar(length=16)
    created_at = Timestamptz()
    # Indexed for the purge, which deletes by age.
    expires_at = Timestamptz(index=True)
    # Set by the first attempt, right or wrong: a challenge is answered once.
    used_at = Timestamptz(null=True, default=None)
    # Who asked for it (IPv6 text is at most 45 characters).
    client_ip = Varchar(length=45, default="")
    # The answer read aloud (WAV), made on the first request for it and kept, so every
    # process serves the same sound: no fresh variants to average, no second render.
    # Cleared once the challenge is used or expired.
    audio = Bytea(null=True, default=None)
