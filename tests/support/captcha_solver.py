"""The program that solved the old audio robot check, as the security review ran it.

For each character it takes the `captcha` package's own public voice file, stretched
to every speed the package applies (0.90 to 1.20 in steps of 0.01), and looks for it
in the audio by normalized cross-correlation. Where to look: the five loudest
stretches of sound, a second apart (the package leaves one to three seconds between
characters). A coarse pass at half the sample rate and five speeds keeps the ten
likeliest characters per stretch; the fine pass decides among them at full rate.
No knowledge of the answer; only public files. On the old audio it reads about 84%
of characters and 65% of whole answers (the review's probe: 6 of 10)."""

from __future__ import annotations

import io
import os
import wave

import numpy as np
from captcha import audio as package

RATE = 8_000  # the voice files' rate
FINE_SPEEDS = np.round(np.arange(0.90, 1.2001, 0.01), 2)
COARSE_SPEEDS = (0.90, 0.975, 1.05, 1.125, 1.20)
WINDOW = 12_000  # samples around a loud spot searched for a character
KEEP = 10  # characters the coarse pass hands to the fine pass
SMOOTH = 800  # samples averaged into the loudness envelope (0.1 s)
APART = 8_000  # samples between two characters' loud spots, at least


def _voice_file(char: str) -> np.ndarray:
    with wave.open(os.path.join(package.DATA_DIR, char, "default.wav")) as w:
        return _centered(w.readframes(-1))


def _centered(raw: bytes) -> np.ndarray:
    return (np.frombuffer(raw, np.uint8).astype(np.float32) - 128) / 128


def _stretch(samples: np.ndarray, speed: float) -> np.ndarray:
    # As captcha.audio.change_speed: input sample j fills outputs int(j*speed) up to
    # int((j+1)*speed), repeating or dropping samples.
    starts = np.floor(np.arange(len(samples)) * speed).astype(int)
    index = np.searchsorted(starts, np.arange(int(len(samples) * speed)), side="right") - 1
    return samples[index]


def _half(samples: np.ndarray) -> np.ndarray:
    return samples[: len(samples) // 2 * 2].reshape(-1, 2).mean(axis=1)


class _Bank:
    """Templates and their spectra at one FFT size, scored against a stretch at once."""

    def __init__(self, labelled: list[tuple[str, np.ndarray]], size: int) -> None:
        self.size = size
        self.labels = [label for label, _ in labelled]
        self.lengths = np.array([len(t) for _, t in labelled])
        self.norms = np.array([np.linalg.norm(t) for _, t in labelled], dtype=np.float32)
        padded = np.zeros((len(labelled), size), np.float32)
        for row, (_, template) in enumerate(labelled):
            padded[row, : min(len(template), size)] = template[:size]
        self.spectra = np.conj(np.fft.rfft(padded, axis=1))

    def scores(self, stretch: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        spectra = self.spectra if rows is None else self.spectra[rows]
        lengths = self.lengths if rows is None else self.lengths[rows]
        norms = self.norms if rows is None else self.norms[rows]
        corr = np.fft.irfft(spectra * np.fft.rfft(stretch, self.size), self.size, axis=1)
        energy = np.concatenate([[0.0], np.cumsum(stretch.astype(np.float64) ** 2)])
        best = np.full(len(lengths), -1.0)
        for i, n in enumerate(lengths):
            lags = len(stretch) - n + 1
            if lags > 0:
                local = np.sqrt(np.maximum(energy[n : n + lags] - energy[:lags], 1e-9))
                best[i] = float(np.max(corr[i, :lags] / local)) / norms[i]
        return best


class PackageVoiceSolver:
    def __init__(self, alphabet: str) -> None:
        voices = {c: _voice_file(c) for c in alphabet}
        self.alphabet = alphabet
        self.coarse = _Bank(
            [(c, _half(_stretch(v, s))) for c, v in voices.items() for s in COARSE_SPEEDS],
            WINDOW // 2,
        )
        self.fine = _Bank(
            [(c, _stretch(v, s)) for c, v in voices.items() for s in FINE_SPEEDS], WINDOW
        )
        self.fine_rows = {c: np.flatnonzero(np.array(self.fine.labels) == c) for c in alphabet}
        self.beep = bytes(package.BEEP)

    def solve(self, wav: bytes, length: int = 5) -> str:
        samples = self._samples(wav)
        return "".join(self._read(samples, spot) for spot in self._loud_spots(samples, length))

    def _samples(self, wav: bytes) -> np.ndarray:
        with wave.open(io.BytesIO(wav)) as w:
            rate, width = w.getframerate(), w.getsampwidth()
            raw = w.readframes(w.getnframes())
        if width == 1:
            if raw.startswith(self.beep):  # the package's three beeps, then the voices
                start = 3 * len(package.BEEP) + 2 * len(package.SILENCE)
                raw = raw[start : len(raw) - len(package.END_BEEP)]
            samples = _centered(raw)
        else:
            samples = np.frombuffer(raw, "<i2").astype(np.float32) / 32768
        if rate != RATE:
            index = (np.arange(int(len(samples) * RATE / rate)) * rate / RATE).astype(int)
            samples = samples[index]
        return samples

    @staticmethod
    def _loud_spots(samples: np.ndarray, count: int) -> list[int]:
        envelope = np.convolve(np.abs(samples), np.ones(SMOOTH) / SMOOTH, "same")
        spots: list[int] = []
        for i in np.argsort(envelope)[::-1]:
            if all(abs(int(i) - s) > APART for s in spots):
                spots.append(int(i))
                if len(spots) == count:
                    break
        return sorted(spots)

    def _read(self, samples: np.ndarray, spot: int) -> str:
        stretch = samples[max(0, spot - WINDOW // 2) : spot + WINDOW // 2]
        coarse = self.coarse.scores(_half(stretch))
        likely: list[str] = []
        for i in np.argsort(coarse)[::-1]:
            if self.coarse.labels[i] not in likely:
                likely.append(self.coarse.labels[i])
                if len(likely) == KEEP:
                    break
        rows = np.concatenate([self.fine_rows[c] for c in likely])
        fine = self.fine.scores(stretch, rows)
        return self.fine.labels[rows[int(np.argmax(fine))]]
