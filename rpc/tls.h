// The node's TLS: server credentials for its two listeners and channel credentials for its calls
// to peers, each peer's pinned to the certificate key its configuration gives
// (crypto/certificate_key.h), so that a server with another key, whatever CA signed it and
// whatever names it holds, is not that peer. Thread-safe.
#ifndef PBL_RPC_TLS_H_
#define PBL_RPC_TLS_H_

#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "rpc/auth.h"
#include "rpc/config.h"

namespace pbl::rpc {

// kMain: a client certificate signed by the client CA is required in the handshake (an
// unauthenticated client gets no further). kWorker: no client certificate is asked for.
// NOT_FOUND if a file cannot be read; the key must be the owner's alone (crypto::ReadSecretFile).
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentials(const TlsConfig& tls,
                                                                           Listener listener);

// Presents the node's certificate; accepts a server whose chain the client CA signed and whose
// certificate key is `certificate_key`, and no other (the handshake fails, the call is
// UNAVAILABLE).
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> PeerChannelCredentials(
    const TlsConfig& tls, const std::string& peer_id, const std::string& certificate_key);

}  // namespace pbl::rpc

#endif  // PBL_RPC_TLS_H_
