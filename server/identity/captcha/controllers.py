from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.params import PathParameter

from server.identity.captcha.schemas import CaptchaAnswer, CaptchaOut
from server.identity.captcha.service import captcha_answer, captcha_audio, create_captcha
from server.identity.controllers.common import client_ip
from server.problems import ProblemError
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
            "Limited per client address (429 with Retry-After). In demo mode only, "
            "`answer_url` names where a tester reads the answer."
        ),
        status_code=201,
    )
    async def create(self, request: Request, state: State) -> Response[CaptchaOut]:
        ip = client_ip(request)
        await hit("captcha:ip", ip)
        issued = await create_captcha(client_ip=ip)
        body = CaptchaOut(
            id=issued.id,
            image=issued.image_data_url,
            audio_url=issued.audio_url,
            expires_at=issued.expires_at,
            answer_url=f"/api/captcha/{issued.id}/answer" if state.settings.demo_mode else None,
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

    @get(
        "/{challenge_id:str}/answer",
        summary="The robot check's answer (demo mode only)",
        description=(
            "Demo mode only, for testers: the answer of a live challenge, which stays "
            "usable. 404 outside demo mode and for an unknown challenge, 410 once it is "
            "used or expired."
        ),
    )
    async def answer(self, state: State, challenge_id: ChallengeId) -> Response[CaptchaAnswer]:
        if not state.settings.demo_mode:
            raise ProblemError(404, "not_found")
        answer = await captcha_answer(challenge_id)
        return Response(CaptchaAnswer(answer=answer), headers=NO_STORE)
