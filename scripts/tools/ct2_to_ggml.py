#!/usr/bin/env python3
"""Convert a Whisper model in CTranslate2 format to the ggml file whisper.cpp loads.

No registry ships a ggml Whisper model, but PyPI has Whisper checkpoints converted for
CTranslate2 (a `model.bin` plus `vocabulary.txt`). This script turns such a directory into
the legacy ggml layout read by whisper.cpp's `whisper_model_load`:

    int32 magic 0x67676d6c ("ggml")
    int32 hyper-parameters x 11: n_vocab, n_audio_ctx, n_audio_state, n_audio_head,
          n_audio_layer, n_text_ctx, n_text_state, n_text_head, n_text_layer, n_mels, ftype
    int32 n_mel, n_fft; float32 mel filter bank [n_mel][n_fft]
    int32 n_tokens; per token: int32 length, raw bytes
    per tensor: int32 n_dims, int32 name length, int32 type (0 = f32, 1 = f16),
                int32 dims (innermost first), name, data

Only numpy is needed. The output is a pure function of the input files (no timestamps,
no dict-order or SIMD-dependent maths), so the result can be pinned by sha256.

Usage: ct2_to_ggml.py MODEL_DIR OUTPUT_FILE
"""

from __future__ import annotations

import math
import re
import struct
import sys
from pathlib import Path

import numpy as np

GGML_MAGIC = 0x67676D6C
CT2_BINARY_VERSION = 6

# CTranslate2 `DataType` enum values used in model.bin.
CT2_DTYPES = {
    0: np.dtype("<f4"),
    1: np.dtype("i1"),
    2: np.dtype("<i2"),
    3: np.dtype("<i4"),
    4: np.dtype("<f2"),
}

# Whisper's audio front end: 16 kHz, 25 ms window (400-point FFT), 80 mel bins.
SAMPLE_RATE = 16000
N_FFT = 400
N_MELS = 80


class Ct2Reader:
    """Reads the variables of a CTranslate2 `model.bin` (binary version 6)."""

    def __init__(self, path: Path) -> None:
        self.buf = path.read_bytes()
        self.pos = 0

    def _unpack(self, fmt: str):
        size = struct.calcsize("<" + fmt)
        values = struct.unpack_from("<" + fmt, self.buf, self.pos)
        self.pos += size
        return values

    def _string(self) -> str:
        (length,) = self._unpack("H")
        raw = self.buf[self.pos : self.pos + length]
        self.pos += length
        # Strings are written with their NUL terminator counted in the length.
        return raw.rstrip(b"\0").decode("utf-8")

    def read(self) -> dict[str, np.ndarray]:
        (version,) = self._unpack("I")
        if version != CT2_BINARY_VERSION:
            raise SystemExit(f"unsupported CTranslate2 binary version {version}")
        spec = self._string()
        if spec != "WhisperSpec":
            raise SystemExit(f"not a Whisper model: spec {spec!r}")
        self._unpack("I")  # spec revision
        (count,) = self._unpack("I")
        variables: dict[str, np.ndarray] = {}
        for _ in range(count):
            name = self._string()
            (rank,) = self._unpack("B")
            shape = self._unpack("I" * rank)
            (dtype_id,) = self._unpack("B")
            (nbytes,) = self._unpack("I")
            if dtype_id not in CT2_DTYPES:
                raise SystemExit(f"{name}: unsupported CTranslate2 dtype {dtype_id}")
            data = np.frombuffer(self.buf, dtype=CT2_DTYPES[dtype_id], count=nbytes // CT2_DTYPES[dtype_id].itemsize, offset=self.pos)
            self.pos += nbytes
            variables[name] = data.reshape(shape)
        (aliases,) = self._unpack("I")
        for _ in range(aliases):
            alias, target = self._string(), self._string()
            variables[alias] = variables[target]
        if self.pos != len(self.buf):
            raise SystemExit(f"trailing bytes in model.bin: {len(self.buf) - self.pos}")
        return variables


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's reversible byte <-> printable-character table (byte-level BPE)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, (chr(c) for c in cs)))


def read_vocabulary(path: Path) -> list[bytes]:
    """The byte strings of the BPE tokens, in id order, without the special tokens.

    whisper.cpp expects only the text tokens (as the tiktoken files hold them) and adds
    `<|endoftext|>`, language, task and timestamp tokens itself from n_vocab.
    """
    decoder = {c: b for b, c in bytes_to_unicode().items()}
    tokens: list[bytes] = []
    for line in path.read_text(encoding="utf-8").split("\n"):
        if line == "<|endoftext|>":
            return tokens
        tokens.append(bytes(decoder[c] for c in line))
    raise SystemExit("vocabulary.txt has no <|endoftext|> token")


def hz_to_mel(freq: float) -> float:
    """Slaney mel scale (librosa's default, htk=False)."""
    f_sp = 200.0 / 3
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = math.log(6.4) / 27.0
    if freq >= min_log_hz:
        return min_log_mel + math.log(freq / min_log_hz) / logstep
    return freq / f_sp


def mel_to_hz(mel: float) -> float:
    f_sp = 200.0 / 3
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = math.log(6.4) / 27.0
    if mel >= min_log_mel:
        return min_log_hz * math.exp(logstep * (mel - min_log_mel))
    return f_sp * mel


def mel_filters(n_mels: int = N_MELS, n_fft: int = N_FFT, sr: int = SAMPLE_RATE) -> np.ndarray:
    """The filter bank of `librosa.filters.mel(sr=16000, n_fft=400, n_mels=80)`.

    That is what OpenAI's `mel_filters.npz` holds: triangular filters on the Slaney mel
    scale with Slaney area normalisation, as float32. The 82 band edges use Python's libm
    (scalar, reproducible) rather than numpy's vectorised exp/log, whose last bit can vary
    with the CPU's SIMD path; everything after is plain IEEE arithmetic.
    """
    n_bins = 1 + n_fft // 2
    fftfreqs = np.arange(n_bins, dtype=np.float64) * (sr / n_fft)
    lo, hi = hz_to_mel(0.0), hz_to_mel(sr / 2.0)
    # np.linspace computes start + step*i; do the same so the edges match librosa's.
    step = (hi - lo) / (n_mels + 1)
    mel_points = [lo + i * step for i in range(n_mels + 1)] + [hi]
    mel_f = np.array([mel_to_hz(m) for m in mel_points], dtype=np.float64)
    fdiff = np.diff(mel_f)
    ramps = mel_f[:, None] - fftfreqs[None, :]
    weights = np.zeros((n_mels, n_bins), dtype=np.float32)
    for i in range(n_mels):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        weights[i] = np.maximum(0.0, np.minimum(lower, upper))
    enorm = 2.0 / (mel_f[2 : n_mels + 2] - mel_f[:n_mels])
    weights *= enorm[:, None]
    return weights


def attention(prefix: str, src: dict[str, np.ndarray], ct2: str, fused: str) -> dict[str, np.ndarray]:
    """Splits a CTranslate2 attention block into whisper's query/key/value/out tensors.

    `fused` is "qkv" for self-attention (one projection holds all three) or "q_kv" for
    cross-attention (query alone, key and value fused). Whisper's key projection has no
    bias; CTranslate2 stores zeros for it, which are dropped.
    """
    out: dict[str, np.ndarray] = {}
    if fused == "qkv":
        w, b = src[f"{ct2}/linear_0/weight"], src[f"{ct2}/linear_0/bias"]
        q_w, k_w, v_w = np.split(w, 3, axis=0)
        q_b, k_b, v_b = np.split(b, 3, axis=0)
        out_w, out_b = src[f"{ct2}/linear_1/weight"], src[f"{ct2}/linear_1/bias"]
    else:
        q_w, q_b = src[f"{ct2}/linear_0/weight"], src[f"{ct2}/linear_0/bias"]
        kv_w, kv_b = src[f"{ct2}/linear_1/weight"], src[f"{ct2}/linear_1/bias"]
        k_w, v_w = np.split(kv_w, 2, axis=0)
        k_b, v_b = np.split(kv_b, 2, axis=0)
        out_w, out_b = src[f"{ct2}/linear_2/weight"], src[f"{ct2}/linear_2/bias"]
    if np.any(k_b != 0):
        raise SystemExit(f"{ct2}: non-zero key bias; whisper.cpp has no place for it")
    out[f"{prefix}.query.weight"] = q_w
    out[f"{prefix}.query.bias"] = q_b
    out[f"{prefix}.key.weight"] = k_w
    out[f"{prefix}.value.weight"] = v_w
    out[f"{prefix}.value.bias"] = v_b
    out[f"{prefix}.out.weight"] = out_w
    out[f"{prefix}.out.bias"] = out_b
    return out


def layer_norm(prefix: str, src: dict[str, np.ndarray], ct2: str) -> dict[str, np.ndarray]:
    return {f"{prefix}.weight": src[f"{ct2}/gamma"], f"{prefix}.bias": src[f"{ct2}/beta"]}


def ffn(prefix: str, src: dict[str, np.ndarray], ct2: str) -> dict[str, np.ndarray]:
    return {
        f"{prefix}_ln.weight": src[f"{ct2}/layer_norm/gamma"],
        f"{prefix}_ln.bias": src[f"{ct2}/layer_norm/beta"],
        f"{prefix}.0.weight": src[f"{ct2}/linear_0/weight"],
        f"{prefix}.0.bias": src[f"{ct2}/linear_0/bias"],
        f"{prefix}.2.weight": src[f"{ct2}/linear_1/weight"],
        f"{prefix}.2.bias": src[f"{ct2}/linear_1/bias"],
    }


def count_layers(src: dict[str, np.ndarray], side: str) -> int:
    pattern = re.compile(rf"^{side}/layer_(\d+)/")
    found = {int(m.group(1)) for name in src if (m := pattern.match(name))}
    if found != set(range(len(found))):
        raise SystemExit(f"{side}: layers are not numbered 0..n-1: {sorted(found)}")
    return len(found)


def whisper_tensors(src: dict[str, np.ndarray]) -> tuple[dict[str, int], list[tuple[str, np.ndarray]]]:
    """Hyper-parameters and the (name, array) list under whisper.cpp's tensor names."""
    n_audio_layer = count_layers(src, "encoder")
    n_text_layer = count_layers(src, "decoder")
    embeddings = src["decoder/embeddings/weight"]
    hparams = {
        "n_vocab": embeddings.shape[0],
        "n_audio_ctx": src["encoder/position_encodings/encodings"].shape[0],
        "n_audio_state": src["encoder/position_encodings/encodings"].shape[1],
        "n_audio_head": int(src["encoder/num_heads"]),
        "n_audio_layer": n_audio_layer,
        "n_text_ctx": src["decoder/position_encodings/encodings"].shape[0],
        "n_text_state": embeddings.shape[1],
        "n_text_head": int(src["decoder/num_heads"]),
        "n_text_layer": n_text_layer,
        "n_mels": src["encoder/conv1/weight"].shape[1],
    }

    t: dict[str, np.ndarray] = {}
    t["encoder.positional_embedding"] = src["encoder/position_encodings/encodings"]
    for conv in ("conv1", "conv2"):
        t[f"encoder.{conv}.weight"] = src[f"encoder/{conv}/weight"]
        # whisper.cpp adds the bias as a [1, n_state] tensor broadcast over time.
        t[f"encoder.{conv}.bias"] = src[f"encoder/{conv}/bias"].reshape(-1, 1)
    for i in range(n_audio_layer):
        p, c = f"encoder.blocks.{i}", f"encoder/layer_{i}"
        t.update(attention(f"{p}.attn", src, f"{c}/self_attention", "qkv"))
        t.update(layer_norm(f"{p}.attn_ln", src, f"{c}/self_attention/layer_norm"))
        t.update(ffn(f"{p}.mlp", src, f"{c}/ffn"))
    t.update(layer_norm("encoder.ln_post", src, "encoder/layer_norm"))

    t["decoder.positional_embedding"] = src["decoder/position_encodings/encodings"]
    t["decoder.token_embedding.weight"] = embeddings
    for i in range(n_text_layer):
        p, c = f"decoder.blocks.{i}", f"decoder/layer_{i}"
        t.update(attention(f"{p}.attn", src, f"{c}/self_attention", "qkv"))
        t.update(layer_norm(f"{p}.attn_ln", src, f"{c}/self_attention/layer_norm"))
        t.update(attention(f"{p}.cross_attn", src, f"{c}/attention", "q_kv"))
        t.update(layer_norm(f"{p}.cross_attn_ln", src, f"{c}/attention/layer_norm"))
        t.update(ffn(f"{p}.mlp", src, f"{c}/ffn"))
    t.update(layer_norm("decoder.ln", src, "decoder/layer_norm"))
    return hparams, list(t.items())


def keep_f32(name: str, data: np.ndarray) -> bool:
    """Tensors whisper.cpp allocates as f32 even in an f16 model (as convert-pt-to-ggml does)."""
    return data.ndim < 2 or name.endswith((".conv1.bias", ".conv2.bias", "positional_embedding"))


def convert(model_dir: Path, out_path: Path) -> None:
    src = Ct2Reader(model_dir / "model.bin").read()
    hparams, tensors = whisper_tensors(src)
    tokens = read_vocabulary(model_dir / "vocabulary.txt")
    filters = mel_filters(hparams["n_mels"])
    print(f"hyper-parameters: {hparams}")
    print(f"vocabulary: {len(tokens)} text tokens; tensors: {len(tensors)}")

    tmp = out_path.with_suffix(out_path.suffix + ".tmp")
    with tmp.open("wb") as f:
        f.write(struct.pack("<i", GGML_MAGIC))
        for key in ("n_vocab", "n_audio_ctx", "n_audio_state", "n_audio_head", "n_audio_layer",
                    "n_text_ctx", "n_text_state", "n_text_head", "n_text_layer", "n_mels"):
            f.write(struct.pack("<i", int(hparams[key])))
        f.write(struct.pack("<i", 1))  # ftype: mostly f16
        f.write(struct.pack("<ii", *filters.shape))
        f.write(filters.astype("<f4").tobytes())
        f.write(struct.pack("<i", len(tokens)))
        for tok in tokens:
            f.write(struct.pack("<i", len(tok)))
            f.write(tok)
        for name, data in tensors:
            if keep_f32(name, data):
                data, ftype = data.astype("<f4"), 0
            else:
                data, ftype = data.astype("<f2"), 1
            encoded = name.encode("utf-8")
            f.write(struct.pack("<iii", data.ndim, len(encoded), ftype))
            f.write(struct.pack(f"<{data.ndim}i", *reversed(data.shape)))
            f.write(encoded)
            f.write(np.ascontiguousarray(data).tobytes())
    tmp.replace(out_path)
    print(f"wrote {out_path} ({out_path.stat().st_size} bytes)")


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    convert(Path(argv[1]), Path(argv[2]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
