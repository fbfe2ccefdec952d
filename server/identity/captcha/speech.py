"""The robot check read aloud in Vietnamese.

Each character is spoken by espeak-ng (the Debian package `espeak-ng`) under its
Vietnamese name, each in its own accent, voice, pitch and pace, at a random moment,
over noise and a murmur of reversed speech. No two renderings share a waveform, so
a program that matches fixed recordings (as the `captcha` package's public voice
files allowed) finds nothing to match; a person hears "bốn, xê, tám, ...".

CPU-bound and blocking: call `render_wav` from a worker thread."""

from __future__ import annotations

import io
import secrets
import shutil
import subprocess
import wave

import numpy as np

ESPEAK = "espeak-ng"
# What a Vietnamese speaker calls each character of the alphabet (service.ALPHABET,
# which leaves out the letters whose names are heard as another's). No two share a
# syllable in any of the accents below (tests/unit/test_captcha_legibility.py).
SPOKEN_NAMES = {
    "3": "ba",
    "4": "bốn",
    "5": "năm",
    "6": "sáu",
    "7": "bảy",
    "8": "tám",
    "9": "chín",
    "A": "a",
    "C": "xê",
    "H": "hát",
    "K": "ca",
    "M": "em mờ",
    "N": "en nờ",
    "P": "pê",
    "R": "e rờ",
    "U": "u",
    "V": "vê",
    "X": "ích xì",
    "Y": "i dài",
}
ACCENTS = ("vi", "vi-vn-x-central", "vi-vn-x-south")
# espeak-ng's plain male and female variants: varied, yet clear to a listener.
VARIANTS = ("m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5")
RATE = 16_000
ESPEAK_RATE = 22_050
RENDER_TIMEOUT = 10  # seconds; espeak-ng takes ~30 ms a word


class SpeechUnavailable(RuntimeError):
    """espeak-ng is not installed or failed."""


def espeak_available() -> bool:
    return shutil.which(ESPEAK) is not None


def _between(low: float, high: float) -> float:
    return low + (high - low) * secrets.randbelow(10_001) / 10_000


def _espeak_args(text: str) -> list[str]:
    voice = f"{secrets.choice(ACCENTS)}+{secrets.choice(VARIANTS)}"
    pitch = 20 + secrets.randbelow(61)  # espeak-ng's 0-99 scale
    words_per_minute = 115 + secrets.randbelow(51)
    return [ESPEAK, "-v", voice, "-p", str(pitch), "-s", str(words_per_minute), "--stdout", text]


def _speak_all(texts: list[str]) -> list[np.ndarray]:
    """Each text spoken by its own espeak-ng process, all at once; float samples at RATE."""
    try:
        processes = [
            subprocess.Popen(_espeak_args(t), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            for t in texts
        ]
    except OSError as exc:
        raise SpeechUnavailable(f"{ESPEAK} cannot run: {exc}") from exc
    voices = []
    for process in processes:
        try:
            out, _ = process.communicate(timeout=RENDER_TIMEOUT)
        except subprocess.TimeoutExpired as exc:
            process.kill()
            process.communicate()
            raise SpeechUnavailable(f"{ESPEAK} took too long") from exc
        # --stdout writes a streaming header (no length): the PCM follows its 44 bytes.
        if process.returncode != 0 or out[:4] != b"RIFF" or out[36:40] != b"data":
            raise SpeechUnavailable(f"{ESPEAK} failed (exit {process.returncode})")
        pcm = np.frombuffer(out[44 : 44 + (len(out) - 44) // 2 * 2], dtype="<i2")
        voices.append(_resample(pcm.astype(np.float32) / 32768, ESPEAK_RATE, RATE))
    return voices


def _resample(samples: np.ndarray, rate_in: float, rate_out: float) -> np.ndarray:
    length = max(1, int(len(samples) * rate_out / rate_in))
    return np.interp(np.arange(length) * rate_in / rate_out, np.arange(len(samples)), samples)


def _trimmed(voice: np.ndarray) -> np.ndarray:
    loud = np.flatnonzero(np.abs(voice) > 0.02)
    return voice[loud[0] : loud[-1] + 1] if len(loud) else voice


def _warped(voice: np.ndarray) -> np.ndarray:
    """Shift pitch and pace together by a few percent, then set a random loudness."""
    voice = _resample(voice, 1.0, _between(0.92, 1.08))
    peak = float(np.max(np.abs(voice))) or 1.0
    return voice * (_between(0.55, 0.9) / peak)


def _noise(length: int) -> np.ndarray:
    """Hiss with most of its power low, like a room or a phone line."""
    white = np.frombuffer(secrets.token_bytes(2 * length), dtype="<i2").astype(np.float32) / 32768
    kernel = np.hanning(9)
    hiss = np.convolve(white, kernel / kernel.sum(), mode="same")
    return hiss * (_between(0.02, 0.04) / (float(np.std(hiss)) or 1.0))


def _murmur(length: int, voices: list[np.ndarray]) -> np.ndarray:
    """Reversed speech end to end: speech-like sound between and under the characters,
    so loudness alone does not say where a character is."""
    out = np.zeros(length, dtype=np.float32)
    position = 0
    while position < length and voices:
        piece = _warped(secrets.choice(voices))[::-1] * _between(0.2, 0.35)
        end = min(length, position + len(piece))
        out[position:end] += piece[: end - position]
        position = end + secrets.randbelow(RATE // 8)
    return out


def render_wav(answer: str) -> bytes:
    """The answer spoken in Vietnamese as a 16 kHz 16-bit mono WAV file."""
    unknown = set(answer) - set(SPOKEN_NAMES)
    if unknown:
        raise ValueError(f"no spoken name for {sorted(unknown)}")
    murmur_words = [secrets.choice(list(SPOKEN_NAMES.values())) for _ in range(6)]
    spoken = _speak_all([SPOKEN_NAMES[c] for c in answer] + murmur_words)
    characters = [_warped(_trimmed(v)) for v in spoken[: len(answer)]]
    murmur_voices = [_trimmed(v) for v in spoken[len(answer) :]]

    gaps = [int(RATE * _between(0.5, 1.3)) for _ in characters]
    lead, tail = int(RATE * _between(0.4, 0.9)), int(RATE * 0.5)
    length = lead + sum(len(v) for v in characters) + sum(gaps) + tail
    mix = _noise(length) + _murmur(length, murmur_voices)
    position = lead
    for voice, gap in zip(characters, gaps, strict=True):
        mix[position : position + len(voice)] += voice
        position += len(voice) + gap

    pcm = (np.clip(mix, -1, 1) * 32767).astype("<i2").tobytes()
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(pcm)
    return buffer.getvalue()
