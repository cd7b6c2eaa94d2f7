#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_gguf (tests/fuzz/corpus/fuzz_gguf/): small GGUF files of every
value type, nesting, tensors, the header of a real projector, and a few broken ones. Standard
library only; run from anywhere: python3 tests/fuzz/make_gguf_seeds.py [SHARED_DIR]"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "fuzz_gguf")
SHARED = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "..", "shared")

U8, I8, U16, I16, U32, I32, F32, BOOL, STR, ARR, U64, I64, F64 = range(13)
SCALAR = {U8: "B", I8: "b", U16: "H", I16: "h", U32: "I", I32: "i", F32: "f", BOOL: "B", U64: "Q", I64: "q", F64: "d"}


def string(text):
    data = text.encode("utf-8")
    return struct.pack("<Q", len(data)) + data


def value(kind, v):
    if kind in SCALAR:
        return struct.pack("<" + SCALAR[kind], v)
    if kind == STR:
        return string(v)
    element, items = v
    return struct.pack("<IQ", element, len(items)) + b"".join(value(element, i) for i in items)


def gguf(entries, tensors=(), version=3, magic=b"GGUF"):
    out = magic + struct.pack("<IQQ", version, len(tensors), len(entries))
    for key, kind, v in entries:
        out += string(key) + struct.pack("<I", kind) + value(kind, v)
    offset = 0
    for name, dims, ttype in tensors:
        out += string(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
        out += struct.pack("<IQ", ttype, offset)
        offset += 32
    return out


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def main():
    os.makedirs(OUT, exist_ok=True)
    model = [
        ("general.architecture", STR, "llama"),
        ("general.name", STR, "seed"),
        ("general.file_type", U32, 15),
        ("llama.context_length", U32, 4096),
        ("llama.block_count", U32, 2),
        ("tokenizer.ggml.tokens", ARR, (STR, ["<s>", "</s>", "a"])),
        ("tokenizer.ggml.scores", ARR, (F32, [0.0, -1.5, 2.0])),
        ("tokenizer.chat_template", STR, "{% if tools %}{{ tools }}{% endif %}<think>"),
    ]
    write("model.gguf", gguf(model, [("token_embd.weight", [64, 3], 1), ("output.weight", [64], 0)]))
    every = [
        ("u8", U8, 250), ("i8", I8, -5), ("u16", U16, 65000), ("i16", I16, -30000),
        ("u32", U32, 4000000000), ("i32", I32, -2000000000), ("f32", F32, 1.5), ("bool", BOOL, 1),
        ("str", STR, "Привет"), ("u64", U64, 2**64 - 1), ("i64", I64, -2**63), ("f64", F64, -0.25),
        ("nested", ARR, (ARR, [(I16, [1, 2]), (I16, [3, 4])])),
        ("empty", ARR, (U8, [])),
    ]
    write("every-type.gguf", gguf(every))
    projector = [
        ("general.architecture", STR, "clip"),
        ("clip.has_vision_encoder", BOOL, 1),
        ("clip.has_audio_encoder", BOOL, 1),
        ("clip.vision.projector_type", STR, "gemma3"),
        ("clip.audio.projector_type", STR, "qwen2a"),
    ]
    write("projector.gguf", gguf(projector, [("v.patch_embd.weight", [8, 8, 3, 64], 1)]))
    write("version2.gguf", gguf(model[:3], version=2))
    write("empty-header.gguf", gguf([]))
    write("cut.gguf", gguf(model)[:57])
    write("bad-magic.gguf", gguf(model[:2], magic=b"GGML"))
    write("huge-array.gguf", gguf([]) [:-16] + struct.pack("<QQ", 0, 1) + string("a") + struct.pack("<IIQ", ARR, STR, 2**40))
    # The header of a real projector, without its tensor data.
    real = os.path.join(SHARED, "models", "tiny-mmproj-vision.gguf")
    if os.path.exists(real):
        with open(real, "rb") as f:
            data = f.read()
        write("tiny-mmproj-vision-header.gguf", data[:header_end(data)])


def header_end(data):
    pos = 8
    tensors, entries = struct.unpack_from("<QQ", data, pos)
    pos += 16

    def skip_string(p):
        (n,) = struct.unpack_from("<Q", data, p)
        return p + 8 + n

    def skip_value(p, kind):
        if kind in SCALAR:
            return p + struct.calcsize("<" + SCALAR[kind])
        if kind == STR:
            return skip_string(p)
        element, count = struct.unpack_from("<IQ", data, p)
        p += 12
        for _ in range(count):
            p = skip_value(p, element)
        return p

    for _ in range(entries):
        pos = skip_string(pos)
        (kind,) = struct.unpack_from("<I", data, pos)
        pos = skip_value(pos + 4, kind)
    for _ in range(tensors):
        pos = skip_string(pos)
        (dims,) = struct.unpack_from("<I", data, pos)
        pos += 4 + 8 * dims + 12
    return pos


if __name__ == "__main__":
    main()
