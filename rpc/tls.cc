#include "rpc/tls.h"

#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_certificate_verifier.h>
#include <grpcpp/security/tls_credentials_options.h>

#include <fstream>
#include <sstream>

#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"
#include "crypto/certificate_key.h"
#include "crypto/key_file.h"
#include "rpc/log.h"

namespace pbl::rpc {

namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(StrCat("cannot read ", what, " ", path));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// After the chain check: the server's certificate has the peer's key, or the handshake fails.
class PinnedKeyVerifier final : public grpc::experimental::ExternalCertificateVerifier {
 public:
  PinnedKeyVerifier(std::string peer_id, std::string certificate_key)
      : peer_id_(std::move(peer_id)), certificate_key_(std::move(certificate_key)) {}

  bool Verify(grpc::experimental::TlsCustomVerificationCheckRequest* request,
              std::function<void(grpc::Status)> /*callback*/, grpc::Status* sync_status) override {
    const grpc::string_ref pem = request->peer_cert();
    const absl::StatusOr<std::string> key =
        crypto::CertificateKeyId(std::string_view(pem.data(), pem.size()));
    if (key.ok() && *key == certificate_key_) {
      *sync_status = grpc::Status::OK;
      return true;
    }
    const std::string got = key.ok() ? *key : std::string(key.status().message());
    LogWarning("peer_certificate_refused",
               StrCat("peer=", peer_id_, " want=", certificate_key_, " got=", got));
    *sync_status =
        grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                     StrCat("the server is not peer ", peer_id_, ": its certificate key ", got,
                            " is not ", certificate_key_));
    return true;  // synchronous
  }

  void Cancel(grpc::experimental::TlsCustomVerificationCheckRequest* /*request*/) override {}

 private:
  std::string peer_id_;
  std::string certificate_key_;
};

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentials(const TlsConfig& tls,
                                                                           Listener listener) {
  grpc::SslServerCredentialsOptions ssl(
      listener == Listener::kMain ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                                  : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  PBL_ASSIGN_OR_RETURN(ssl.pem_root_certs, ReadFile(tls.client_ca_file, "client CA"));
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  PBL_ASSIGN_OR_RETURN(pair.cert_chain, ReadFile(tls.cert_file, "certificate"));
  PBL_ASSIGN_OR_RETURN(pair.private_key, crypto::ReadSecretFile(tls.key_file, "TLS key"));
  ssl.pem_key_cert_pairs.push_back(std::move(pair));
  return grpc::SslServerCredentials(ssl);
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> PeerChannelCredentials(
    const TlsConfig& tls, const std::string& peer_id, const std::string& certificate_key) {
  PBL_ASSIGN_OR_RETURN(const std::string roots, ReadFile(tls.client_ca_file, "client CA"));
  grpc::experimental::IdentityKeyCertPair pair;
  PBL_ASSIGN_OR_RETURN(pair.certificate_chain, ReadFile(tls.cert_file, "certificate"));
  PBL_ASSIGN_OR_RETURN(pair.private_key, crypto::ReadSecretFile(tls.key_file, "TLS key"));
  grpc::experimental::TlsChannelCredentialsOptions options;
  options.set_certificate_provider(
      std::make_shared<grpc::experimental::StaticDataCertificateProvider>(
          roots, std::vector<grpc::experimental::IdentityKeyCertPair>{pair}));
  options.watch_root_certs();
  options.watch_identity_key_cert_pairs();
  options.set_verify_server_certs(true);  // the chain, against the client CA
  // The pinned key is the peer's identity; the host name it was dialled by adds nothing.
  options.set_certificate_verifier(
      grpc::experimental::ExternalCertificateVerifier::Create<PinnedKeyVerifier>(peer_id,
                                                                                 certificate_key));
  options.set_check_call_host(false);
  return grpc::experimental::TlsCredentials(options);
}

}  // namespace pbl::rpc
