#!/usr/bin/python3
"""A Python grpcio client of pbld, without PBL's generated code: the standard health check, the
server reflection service (what grpcurl uses) listing the node's services, and a LedgerService
call with a hand-encoded request. Used by tests/rpc/node_test.cc.

usage: grpcio_client.py ADDRESS CA_CERT CLIENT_CERT CLIENT_KEY
Prints one line per check and exits non-zero on the first failure."""
import sys

import grpc


def main():
    address, ca, cert, key = sys.argv[1:5]
    with open(ca, "rb") as f:
        root = f.read()
    with open(cert, "rb") as f:
        chain = f.read()
    with open(key, "rb") as f:
        private = f.read()
    credentials = grpc.ssl_channel_credentials(root, private, chain)
    with grpc.secure_channel(address, credentials) as channel:
        identity = lambda b: b
        # grpc.health.v1.Health/Check with an empty request: status field 1 = SERVING (1).
        check = channel.unary_unary("/grpc.health.v1.Health/Check",
                                    request_serializer=identity, response_deserializer=identity)
        answer = check(b"", timeout=10)
        if answer != b"\x08\x01":
            sys.exit("health: not SERVING: %r" % answer)
        print("health: SERVING")
        # grpc.reflection.v1alpha: list_services (field 7, empty string).
        reflect = channel.stream_stream(
            "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
            request_serializer=identity, response_deserializer=identity)
        listed = b"".join(reflect(iter([b"\x3a\x00"]), timeout=10))
        for service in (b"pbl.v1.LedgerService", b"pbl.v1.PersonService",
                        b"pbl.v1.TransferService", b"pbl.v1.PeerService", b"pbl.v1.TokenService"):
            if service not in listed:
                sys.exit("reflection: %s not listed" % service.decode())
        print("reflection: lists the five pbl.v1 services")
        # pbl.v1.LedgerService/GetCheckpoint with tree_size 0: the latest signed checkpoint.
        get = channel.unary_unary("/pbl.v1.LedgerService/GetCheckpoint",
                                  request_serializer=identity, response_deserializer=identity)
        note = get(b"", timeout=10)
        if b"pbl.test/node/" not in note:
            sys.exit("GetCheckpoint: no checkpoint note in %r" % note[:80])
        print("GetCheckpoint: a signed checkpoint")


if __name__ == "__main__":
    main()
