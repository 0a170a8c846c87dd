#!/usr/bin/env python3
"""An independent checker of log format v2's completeness proofs (specs/log-format-v2.md).

It shares no code with the project: Python's standard library only (hashlib), with ristretto255
(RFC 9496) and the VRF of c2sp.org/vrf-r255 written here from their specifications, and the
person map of the spec's section 5. It reads one JSON file, made by
tests/interop/v2_interop_test.cc from pbl::crypto:

  {"vrf":  [{"public_key", "alpha", "proof", "beta", "valid"}...],   hex strings, valid a bool
   "map":  {"items": [{"key", "value"}...], "root",
            "proofs": [{"key", "value" or null, "proof", "absence", "valid"}...]},
   "leaves": {"parameters": hex of entry 0,
              "items": [{"person_id", "scheme_id" (text), "person_key_proof", "leaf",
                         "opening", "valid"}...]},
   "log":    {"leaves": [hex of leaf 0, leaf 1, ...],
              "checkpoints": [{"note" (a signed checkpoint, text), "valid"}...]}}

and checks that every item marked valid verifies and gives the stated output, that every item
marked invalid is refused, and that the map's root is the root of its items. A leaf item is
valid when entry 0 is a log's parameters (spec section 3) whose VRF key proves K for the
person and scheme, the leaf is a person leaf (section 1) carrying that K, the opening's
commitment is the leaf's, and the opening's content is a pbl.v1.Entry of that scheme and
person (its fields 1 and 2, read with the protobuf wire format). A checkpoint is valid when its
root is the RFC 9162 root of the first `size` leaves and it has exactly one line
"pbl-map <map size> <base64 root>" (section 5), the map size at most its size and the root that
of the map of every key's chain (section 4) over the leaves below the map size; the signature is
not checked here (Go's x/mod checks our notes in interop_test). It prints one line
per check that disagrees and exits 1 if any did, else prints a summary and exits 0. With
--self-test it checks the test vector of c2sp.org/vrf-r255 instead.
"""
import base64
import binascii
import hashlib
import json
import sys

# --- ristretto255 (RFC 9496, section 4) --------------------------------------------------------

P = 2**255 - 19
Q = 2**252 + 27742317777372353535851937790883648493
D = (-121665 * pow(121666, P - 2, P)) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


def neg(x):
    return (-x) % P


def is_negative(x):
    return (x % P) & 1


def ct_abs(x):
    return neg(x) if is_negative(x) else x % P


def sqrt_ratio_m1(u, v):
    r = (u * pow(v, 3, P)) * pow(u * pow(v, 7, P), (P - 5) // 8, P) % P
    check = v * r * r % P
    correct = check == u % P
    flipped = check == neg(u)
    flipped_i = check == neg(u) * SQRT_M1 % P
    if flipped or flipped_i:
        r = r * SQRT_M1 % P
    return correct or flipped, ct_abs(r)


# The constants of RFC 9496 section 4.1, as it gives them (SQRT_AD_MINUS_ONE is not the
# non-negative root).
INVSQRT_A_MINUS_D = 54469307008909316920995813868745141605393597292927456921205312896311721017578
SQRT_AD_MINUS_ONE = 25063068953384623474111414158702152701244531502492656460079210482610430750235
ONE_MINUS_D_SQ = (1 - D * D) % P
D_MINUS_ONE_SQ = (D - 1) * (D - 1) % P


def inv(x):
    return pow(x, P - 2, P)


# Points are affine (x, y) on -x^2 + y^2 = 1 + d x^2 y^2.
IDENTITY = (0, 1)


def add(p1, p2):
    (x1, y1), (x2, y2) = p1, p2
    k = D * x1 * x2 * y1 * y2 % P
    return ((x1 * y2 + y1 * x2) * inv(1 + k) % P, (y1 * y2 + x1 * x2) * inv(1 - k) % P)


def negate(p):
    return (neg(p[0]), p[1])


def mul(scalar, point):
    result, addend = IDENTITY, point
    while scalar > 0:
        if scalar & 1:
            result = add(result, addend)
        addend = add(addend, addend)
        scalar >>= 1
    return result


def decode(data):
    """The element a 32-byte encoding stands for, or None (RFC 9496 4.3.1)."""
    if len(data) != 32:
        return None
    s = int.from_bytes(data, "little")
    if s >= P or is_negative(s):
        return None
    ss = s * s % P
    u1 = (1 - ss) % P
    u2 = (1 + ss) % P
    u2_sqr = u2 * u2 % P
    v = (neg(D * u1 * u1) - u2_sqr) % P
    was_square, invsqrt = sqrt_ratio_m1(1, v * u2_sqr % P)
    den_x = invsqrt * u2 % P
    den_y = invsqrt * den_x * v % P
    x = ct_abs(2 * s * den_x)
    y = u1 * den_y % P
    if not was_square or is_negative(x * y) or y == 0:
        return None
    return (x, y)


def encode(point):
    """RFC 9496 4.3.2, from affine coordinates (Z = 1, T = xy)."""
    x, y = point
    z, t = 1, x * y % P
    u1 = (z + y) * (z - y) % P
    u2 = x * y % P
    _, invsqrt = sqrt_ratio_m1(1, u1 * u2 * u2 % P)
    den1 = invsqrt * u1 % P
    den2 = invsqrt * u2 % P
    z_inv = den1 * den2 * t % P
    if is_negative(t * z_inv):
        x, y = y * SQRT_M1 % P, x * SQRT_M1 % P
        den_inv = den1 * INVSQRT_A_MINUS_D % P
    else:
        den_inv = den2
    if is_negative(x * z_inv):
        y = neg(y)
    return ct_abs(den_inv * (z - y)).to_bytes(32, "little")


def elligator(t):
    """RFC 9496 4.3.4's MAP, to affine coordinates."""
    r = SQRT_M1 * t * t % P
    u = (r + 1) * ONE_MINUS_D_SQ % P
    v = (-1 - r * D) * (r + D) % P
    was_square, s = sqrt_ratio_m1(u, v)
    if not was_square:
        s = neg(ct_abs(s * t))
    c = P - 1 if was_square else r
    n = (c * (r - 1) * D_MINUS_ONE_SQ - v) % P
    w0 = 2 * s * v % P
    w1 = n * SQRT_AD_MINUS_ONE % P
    w2 = (1 - s * s) % P
    w3 = (1 + s * s) % P
    return (w0 * w3 * inv(w1 * w3) % P, w2 * w1 * inv(w1 * w3) % P)


def one_way_map(b):
    t1 = int.from_bytes(b[:32], "little") & ((1 << 255) - 1)
    t2 = int.from_bytes(b[32:64], "little") & ((1 << 255) - 1)
    return add(elligator(t1 % P), elligator(t2 % P))


BASE = decode(bytes.fromhex("e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76"))

# --- ECVRF-RISTRETTO255-SHA512 (c2sp.org/vrf-r255) ---------------------------------------------

SUITE = b"\xff" + b"c2sp.org/vrf-r255"


def sha512(*parts):
    return hashlib.sha512(b"".join(parts)).digest()


def encode_to_curve(pk, alpha):
    return one_way_map(sha512(SUITE, b"\x82", pk, alpha))


def challenge(*points):
    return sha512(SUITE, b"\x02", *[encode(p) for p in points], b"\x00")[:16]


def vrf_verify(pk, alpha, proof):
    """beta, or None when the proof does not verify (validate_key on)."""
    y = decode(pk)
    if y is None or y == IDENTITY or len(proof) != 80:
        return None
    gamma = decode(proof[:32])
    if gamma is None:
        return None
    c = int.from_bytes(proof[32:48], "little")
    s = int.from_bytes(proof[48:80], "little")
    if s >= Q:
        return None
    h = encode_to_curve(pk, alpha)
    u = add(mul(s, BASE), negate(mul(c, y)))
    v = add(mul(s, h), negate(mul(c, gamma)))
    if challenge(y, h, gamma, u, v) != proof[32:48]:
        return None
    return sha512(SUITE, b"\x03", encode(gamma), b"\x00")


def vrf_prove(x, alpha):
    pk = encode(mul(x, BASE))
    h = encode_to_curve(pk, alpha)
    gamma = mul(x, h)
    k = int.from_bytes(sha512(SUITE, b"\x81", x.to_bytes(32, "little"), encode(h)), "little") % Q
    c = challenge(mul(x, BASE), h, gamma, mul(k, BASE), mul(k, h))
    s = (k + int.from_bytes(c, "little") * x) % Q
    return pk, encode(gamma) + c + s.to_bytes(32, "little")


# --- The person map (specs/log-format-v2.md, section 5) ---------------------------------------

EMPTY = bytes(32)


def sha256(*parts):
    return hashlib.sha256(b"".join(parts)).digest()


def key_bit(key, depth):
    return (key[depth // 8] >> (7 - depth % 8)) & 1


def leaf_hash(key, value):
    return sha256(b"\x02", key, value)


def node_hash(left, right):
    return sha256(b"\x03", left, right)


def map_root(items, depth=0):
    if not items:
        return EMPTY
    if len(items) == 1:
        return leaf_hash(*items[0])
    left = [i for i in items if key_bit(i[0], depth) == 0]
    right = [i for i in items if key_bit(i[0], depth) == 1]
    return node_hash(map_root(left, depth + 1), map_root(right, depth + 1))


def parse_proof(data, absence):
    """(siblings, other) or None for bytes that are not one proof of that kind."""
    if len(data) < 2:
        return None
    depth = int.from_bytes(data[:2], "big")
    if depth > 256:
        return None
    at = 2
    nbitmap = (depth + 7) // 8
    bitmap = data[at:at + nbitmap]
    if len(bitmap) != nbitmap:
        return None
    at += nbitmap
    if depth % 8 and bitmap[-1] & (0xFF >> (depth % 8)):
        return None
    siblings = [EMPTY] * depth
    for i in reversed(range(depth)):
        if bitmap[i // 8] & (0x80 >> (i % 8)):
            continue
        h = data[at:at + 32]
        if len(h) != 32 or h == EMPTY:
            return None
        siblings[i] = h
        at += 32
    other = None
    if absence:
        if at >= len(data):
            return None
        terminal = data[at]
        at += 1
        if terminal == 1:
            if len(data) < at + 80:
                return None
            other = (data[at:at + 32], data[at + 32:at + 80])
            at += 80
        elif terminal != 0:
            return None
    if at != len(data):
        return None
    if siblings and siblings[-1] == EMPTY:
        return None
    return siblings, other


def fold(h, key, siblings):
    for i in reversed(range(len(siblings))):
        h = node_hash(siblings[i], h) if key_bit(key, i) else node_hash(h, siblings[i])
    return h


def shares_prefix(a, b, bits):
    return all(key_bit(a, i) == key_bit(b, i) for i in range(bits))


def map_proof_ok(root, key, value, data, absence):
    parsed = parse_proof(data, absence)
    if parsed is None:
        return False
    siblings, other = parsed
    if not absence:
        return fold(leaf_hash(key, value), key, siblings) == root
    terminal = EMPTY
    if other is not None:
        if other[0] == key or not shares_prefix(other[0], key, len(siblings)):
            return False
        terminal = leaf_hash(*other)
    return fold(terminal, key, siblings) == root


# --- Sealed leaves (spec sections 1 and 3) ----------------------------------------------------

def read_varint(data, at):
    value, shift = 0, 0
    while True:
        if at >= len(data) or shift > 63:
            return None, at
        b = data[at]
        at += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return value, at


def proto_fields(data):
    """The length-delimited fields of a protobuf message, {number: bytes} (the last of each), or
    None if the message does not parse; other wire types are skipped."""
    fields, at = {}, 0
    while at < len(data):
        tag, at = read_varint(data, at)
        if tag is None:
            return None
        number, wire = tag >> 3, tag & 7
        if wire == 0:
            _, at = read_varint(data, at)
            if _ is None:
                return None
        elif wire == 2:
            length, at = read_varint(data, at)
            if length is None or at + length > len(data):
                return None
            fields[number] = data[at:at + length]
            at += length
        elif wire == 1:
            at += 8
        elif wire == 5:
            at += 4
        else:
            return None
    return fields if at == len(data) else None


def log_parameters_key(leaf):
    """The VRF key of entry 0 (0x02 0x02 PublicEntry{log_parameters{format, vrf_public_key}})."""
    if leaf[:2] != b"\x02\x02":
        return None
    entry = proto_fields(leaf[2:])
    params = proto_fields(entry.get(1, b"")) if entry is not None else None
    if params is None or params.get(1) != b"pbl.v2" or len(params.get(2, b"")) != 32:
        return None
    return params[2]


def leaf_ok(vrf_key, item):
    person, scheme = item["person_id"].encode(), item["scheme_id"].encode()
    alpha = b"pbl.v2 person key\n" + scheme + b"\x00" + person
    beta = vrf_verify(vrf_key, alpha, bytes.fromhex(item["person_key_proof"]))
    leaf, opening = bytes.fromhex(item["leaf"]), bytes.fromhex(item["opening"])
    if beta is None or len(leaf) != 66 or leaf[:2] != b"\x02\x01" or leaf[2:34] != beta[:32]:
        return False
    if len(opening) < 32 or hashlib.sha256(b"pbl.v2 commitment\n" + opening).digest() != leaf[34:]:
        return False
    content = proto_fields(opening[32:])
    return content is not None and content.get(1) == scheme and content.get(2) == person


# --- The log and its checkpoints (RFC 9162; spec sections 4 and 5) -----------------------------

def merkle_root(hashes):
    """RFC 9162's MTH over leaf hashes."""
    if not hashes:
        return sha256()
    if len(hashes) == 1:
        return hashes[0]
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    return sha256(b"\x01", merkle_root(hashes[:k]), merkle_root(hashes[k:]))


def chains_map_root(leaves, map_size):
    """The map of every key's (count, chain, last index) over leaves [0, map_size)."""
    values = {}
    for index in range(map_size):
        leaf = leaves[index]
        if leaf[:2] not in (b"\x02\x01", b"\x02\x03"):  # person and erasure leaves carry K
            continue
        key = leaf[2:34]
        count, chain, _ = values.get(key, (0, bytes(32), 0))
        chain = sha256(b"\x04", chain, index.to_bytes(8, "big"), sha256(b"\x00", leaf))
        values[key] = (count + 1, chain, index)
    items = sorted((k, c.to_bytes(8, "big") + ch + last.to_bytes(8, "big"))
                   for k, (c, ch, last) in values.items())
    return map_root(items)


def decimal(text):
    if not text.isdigit() or (len(text) > 1 and text[0] == "0"):
        raise ValueError(text)
    return int(text)


def checkpoint_ok(leaves, note):
    lines = note.split("\n\n", 1)[0].split("\n")
    try:
        size, root = decimal(lines[1]), base64.b64decode(lines[2], validate=True)
        maps = [line.split(" ") for line in lines[3:] if line.startswith("pbl-map ")]
        if len(maps) != 1 or len(maps[0]) != 3:
            return False
        map_size = decimal(maps[0][1])
        map_root_signed = base64.b64decode(maps[0][2], validate=True)
    except (IndexError, ValueError, binascii.Error):
        return False
    if size > len(leaves) or map_size > size:
        return False
    if merkle_root([sha256(b"\x00", leaf) for leaf in leaves[:size]]) != root:
        return False
    return chains_map_root(leaves, map_size) == map_root_signed


# --- Checks ------------------------------------------------------------------------------------

def self_test():
    x = int.from_bytes(bytes.fromhex(
        "3431c2b03533e280b23232e280b34e2c3132c2b03238e280b23131e280b34500"), "little")
    alpha = bytes.fromhex("633273702e6f72672f7672662d72323535")
    pk, proof = vrf_prove(x, alpha)
    want_pk = "54136cd90d99fbd1d4e855d9556efea87ba0337f2a6ce22028d0f5726fcb854e"
    want_h = "f245308737c2a888ba56448c8cdbce9d063b57b147e063ce36c580194ef31a63"
    want_beta = ("dd653f0879b48c3ef69e13551239bec4cbcc1c18fe8894de2e9e1c790e1827360"
                 "3bf1c6c25d7a797aeff3c43fd32b974d3fcbd4bcce916007097922a3ea3a794")
    checks = [
        ("PK", pk.hex() == want_pk),
        ("H", encode(encode_to_curve(pk, alpha)).hex() == want_h),
        ("beta", (vrf_verify(pk, alpha, proof) or b"").hex() == want_beta),
        ("decode(encode(B))", encode(decode(encode(BASE))) == encode(BASE)),
    ]
    bad = [name for name, ok in checks if not ok]
    for name in bad:
        print("vrf-r255 test vector: %s differs" % name)
    return not bad


def check(doc):
    failures = []
    for n, v in enumerate(doc["vrf"]):
        beta = vrf_verify(bytes.fromhex(v["public_key"]), bytes.fromhex(v["alpha"]),
                          bytes.fromhex(v["proof"]))
        if v["valid"] and (beta is None or beta.hex() != v["beta"]):
            failures.append("vrf %d: a valid proof was refused or gave another output" % n)
        if not v["valid"] and beta is not None:
            failures.append("vrf %d: an invalid proof verified" % n)
    m = doc["map"]
    items = sorted((bytes.fromhex(i["key"]), bytes.fromhex(i["value"])) for i in m["items"])
    root = bytes.fromhex(m["root"])
    if map_root(items) != root:
        failures.append("map: the root is not the root of the items")
    for n, p in enumerate(m["proofs"]):
        value = bytes.fromhex(p["value"]) if p["value"] is not None else None
        ok = map_proof_ok(root, bytes.fromhex(p["key"]), value, bytes.fromhex(p["proof"]),
                          p["absence"])
        if ok != p["valid"]:
            failures.append("map proof %d (%s): %s" % (n, "absence" if p["absence"] else
                                                       "inclusion",
                                                       "refused" if p["valid"] else "accepted"))
    leaves = doc.get("leaves", {"parameters": "", "items": []})
    vrf_key = log_parameters_key(bytes.fromhex(leaves["parameters"]))
    if leaves["items"] and vrf_key is None:
        failures.append("leaves: entry 0 is not a log's parameters")
    for n, item in enumerate(leaves["items"]):
        ok = vrf_key is not None and leaf_ok(vrf_key, item)
        if ok != item["valid"]:
            failures.append("leaf %d: %s" % (n, "refused" if item["valid"] else "accepted"))
    log = doc.get("log", {"leaves": [], "checkpoints": []})
    log_leaves = [bytes.fromhex(leaf) for leaf in log["leaves"]]
    for n, cp in enumerate(log["checkpoints"]):
        if checkpoint_ok(log_leaves, cp["note"]) != cp["valid"]:
            failures.append("checkpoint %d: %s" % (n, "refused" if cp["valid"] else "accepted"))
    for f in failures:
        print(f)
    if not failures:
        print("v2_check: %d VRF proofs, %d map proofs over %d keys, %d leaves and %d checkpoints "
              "over %d log leaves agree" %
              (len(doc["vrf"]), len(m["proofs"]), len(items), len(leaves["items"]),
               len(log["checkpoints"]), len(log_leaves)))
    return not failures


if __name__ == "__main__":
    if sys.argv[1:] == ["--self-test"]:
        ok = self_test()
        print("vrf-r255 test vector: %s" % ("agrees" if ok else "DIFFERS"))
        sys.exit(0 if ok else 1)
    if len(sys.argv) != 2:
        print("usage: v2_check.py FILE.json | --self-test", file=sys.stderr)
        sys.exit(2)
    with open(sys.argv[1], encoding="utf-8") as f:
        sys.exit(0 if check(json.load(f)) else 1)
