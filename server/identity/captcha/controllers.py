from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.params import PathParameter

from server.identity.captcha.schemas import CaptchaOut
from server.identity.captcha.service import captcha_audio, create_captcha
from server.identity.controllers.common import client_ip
from server.ratelimit.service import hit

NO_STORE = {"Cache-Control": "no-store"}
ChallengeId = Annotated[str, PathParameter(description="The id returned by POST /api/captcha")]


class CaptchaController(Controller):
    path = "/api/captcha"
    tags = ["identity"]

    @post(
        "/",
        summary="A new robot check (mã xác nhận)",
        description=(
            "Five characters as a PNG data URL, with the URL of the same characters "
            "read aloud. Valid for five minutes and for one attempt, right or wrong. "
            "Limited per client address (429 with Retry-After)."
        ),
        status_code=201,
    )
    async def create(self, request: Request) -> Response[CaptchaOut]:
        ip = client_ip(request)
        await hit("captcha:ip", ip)
        issued = await create_captcha(client_ip=ip)
        body = CaptchaOut(
            id=issued.id,
            image=issued.image_data_url,
            audio_url=issued.audio_url,
            expires_at=issued.expires_at,
        )
        return Response(body, status_code=201, headers=NO_STORE)

    @get(
        "/{challenge_id:str}/audio",
        summary="The robot check read aloud",
        description=(
            "audio/wav: the characters' Vietnamese names, rendered on the first request "
            "and the same afterwards. 404 for an unknown challenge, 410 once used or "
            "expired, 429 with Retry-After when this address has rendered too many."
        ),
        media_type="audio/wav",
    )
    async def audio(self, request: Request, challenge_id: ChallengeId) -> Response[bytes]:
        wav = await captcha_audio(challenge_id, client_ip=client_ip(request))
        return Response(wav, media_type="audio/wav", headers=NO_STORE)
