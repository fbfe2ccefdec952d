"""The robot check can be read and heard by a person without guessing: no character
of its alphabet passes for another (in the picture: for 0, 1, 2 or each other), the
characters are dark on a pale ground, the noise curve never passes for a stroke of a
character, and every character's Vietnamese name sounds unlike every other's in each
accent espeak-ng speaks."""

from __future__ import annotations

import re
import secrets
import shutil
import subprocess

import pytest
from PIL import Image

from server.identity.captcha import service
from server.identity.captcha.speech import ACCENTS, ESPEAK, SPOKEN_NAMES

# Groups of characters mistaken for each other in DroidSansMono once turned and
# warped: at most one of each may be in the alphabet (and none of 0, 1 or 2, which
# are the ones people type for the rest).
LOOK_ALIKES = ("0ODQ", "1ILT", "2Z", "5S", "8B", "6G")


def test_characters_are_turned_too_little_to_stand_up_as_a_1() -> None:
    # DroidSansMono's 7 leans about 25°: turned that far back it is a 1.
    low, high = service.Picture.character_rotate
    assert -15 <= low < 0 < high <= 15


def test_no_two_characters_of_the_alphabet_look_alike() -> None:
    for group in LOOK_ALIKES:
        present = set(group) & set(service.ALPHABET)
        assert len(present) <= 1, (group, present)
    assert not set(service.ALPHABET) & set("012"), "people type 0, 1, 2 for the others"


def test_a_look_alike_typed_for_a_character_is_read_as_it() -> None:
    assert set("SBG").isdisjoint(service.ALPHABET) and set("586") <= set(service.ALPHABET)
    assert service.normalize_answer("s8 g4x") == service.normalize_answer("58 64X") == "5864X"
    # Nothing is guessed where two characters could be meant, or none.
    assert service.normalize_answer("0O1I2Z") == "0O1I2Z"


def _luminance(rgb: tuple[int, ...]) -> float:
    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast_of(a: float, b: float) -> float:
    light, dark = max(a, b), min(a, b)
    return (light + 0.05) / (dark + 0.05)


def test_characters_are_solid_dark_ink_on_a_pale_ground() -> None:
    # The characters alone (no noise, whose dots are always in full ink): the inked
    # middle of their strokes, against the ground.
    picture = service.Picture(width=service.IMAGE_SIZE[0], height=service.IMAGE_SIZE[1])
    for _ in range(40):
        ink = service.ink()
        ground = (238 + secrets.randbelow(18),) * 3
        image = picture.create_captcha_image(service.new_answer(), ink, ground).convert("RGB")
        lightness = sorted(_luminance(p) for p in image.get_flattened_data())  # pyright: ignore[reportArgumentType]
        inked = lightness[len(lightness) // 50]  # the darkest 2% of the picture
        assert _contrast_of(inked, _luminance(ground)) >= 4.5, (ink, ground)


def test_the_noise_curve_is_a_long_shallow_bowl_never_a_stroke() -> None:
    width, height = service.IMAGE_SIZE
    for _ in range(300):
        canvas = Image.new("L", (width, height), 0)
        service.Picture.create_noise_curve(canvas, 255)  # pyright: ignore[reportArgumentType]
        left, top, right, bottom = canvas.getbbox() or (0, 0, 0, 0)
        wide, deep = right - left, bottom - top
        # A stroke that reads as 1, I or l is narrow and tall: this is wide and flat.
        assert wide >= width // 2 - 2, (wide, deep)
        assert deep <= height // 4 + 2 and wide >= 3 * deep, (wide, deep)


def test_the_alphabet_is_what_is_spoken() -> None:
    assert set(SPOKEN_NAMES) == set(service.ALPHABET)
    for _ in range(100):
        assert set(service.new_answer()) <= set(service.ALPHABET)


def _syllables(name: str, accent: str) -> list[str]:
    """What espeak-ng says for `name`, one phoneme string a syllable, without stress
    and tone marks (a tone alone is too little to tell two names apart in noise)."""
    out = subprocess.run(
        [ESPEAK, "-q", "-x", "-v", accent, name], capture_output=True, text=True, check=True
    ).stdout
    words = [w for w in re.split(r"[\s_|]+", out) if w]
    return [re.sub(r"[0-9']", "", w) for w in words]


@pytest.mark.skipif(shutil.which(ESPEAK) is None, reason="espeak-ng is not installed")
@pytest.mark.parametrize("accent", ACCENTS)
def test_no_two_names_share_a_syllable(accent: str) -> None:
    seen: dict[str, str] = {}
    for char, name in SPOKEN_NAMES.items():
        for syllable in _syllables(name, accent):
            assert seen.setdefault(syllable, char) == char, (
                f"{char} ({name}) and {seen[syllable]} ({SPOKEN_NAMES[seen[syllable]]}) "
                f"both say /{syllable}/ in {accent}"
            )
