// The test helpers that run real nodes, tested before any node exists: the test PKI (checked with
// `openssl verify` and a real gRPC mutual-TLS handshake), the pbld configuration writer (parsed
// back with Python's tomllib) and NodeProcess (driven against a stand-in daemon in Python).
#include <gmock/gmock.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <future>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "crypto/ed25519.h"
#include "crypto/key_file.h"
#include "crypto/note.h"
#include "tests/testing/node_harness.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/tls_certs.h"

namespace pbl::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

RunResult Openssl(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {FindProgramOnPath("openssl")};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProgram(argv);
}

// Python 3.11+ (tomllib) for the stand-in daemon and the TOML check, or "" if there is none.
std::string Python() {
  static const std::string python = [] {
    std::string candidate = "/usr/bin/python3";
    if (::access(candidate.c_str(), X_OK) != 0) candidate = FindProgramOnPath("python3");
    if (candidate.empty()) return std::string();
    const RunResult check = RunProgram({candidate, "-c", "import tomllib"});
    return check.exit_code == 0 ? candidate : std::string();
  }();
  return python;
}

unsigned FileMode(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 0777;
}

// ---------------------------------------------------------------------------------------------
// Test PKI.

class TlsCertsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::filesystem::path(FreshTestDir("tls_certs"));
    absl::StatusOr<TestPki> pki = MakeTestPki(dir_->string(), {"alpha", "beta"}, {"admin"});
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = new TestPki(*pki);
    absl::StatusOr<TestPki> rogue = MakeRogueClient(dir_->string(), "mallory");
    ASSERT_TRUE(rogue.ok()) << rogue.status();
    rogue_ = new TestPki(*rogue);
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*dir_);
    delete dir_;
    delete pki_;
    delete rogue_;
  }
  void SetUp() override { ASSERT_NE(pki_, nullptr) << "the PKI was not made"; }

  static std::filesystem::path* dir_;
  static TestPki* pki_;
  static TestPki* rogue_;
};
std::filesystem::path* TlsCertsTest::dir_ = nullptr;
TestPki* TlsCertsTest::pki_ = nullptr;
TestPki* TlsCertsTest::rogue_ = nullptr;

TEST_F(TlsCertsTest, FilesAreWhereTestPkiSays) {
  EXPECT_EQ(pki_->ca_cert, pki_->dir + "/ca.crt");
  EXPECT_EQ(pki_->Cert("alpha"), pki_->dir + "/alpha.crt");
  EXPECT_EQ(pki_->Key("alpha"), pki_->dir + "/alpha.key");
  for (const char* name : {"alpha", "beta", "admin"}) {
    EXPECT_TRUE(std::filesystem::is_regular_file(pki_->Cert(name))) << name;
    EXPECT_TRUE(std::filesystem::is_regular_file(pki_->Key(name))) << name;
  }
  EXPECT_THAT(ReadWholeFile(pki_->ca_cert), HasSubstr("-----BEGIN CERTIFICATE-----"));
}

TEST_F(TlsCertsTest, KeysAreOwnerOnly) {
  for (const char* name : {"alpha", "beta", "admin", "mallory"}) {
    EXPECT_EQ(FileMode(pki_->Key(name)), 0600u) << name;
  }
  EXPECT_EQ(FileMode(pki_->dir + "/ca.key"), 0600u);
}

TEST_F(TlsCertsTest, KeysAreP256AndMatchTheirCertificates) {
  const RunResult key = Openssl({"pkey", "-in", pki_->Key("alpha"), "-noout", "-text"});
  ASSERT_EQ(key.exit_code, 0) << key.err;
  EXPECT_THAT(key.out, HasSubstr("P-256"));
  const RunResult public_from_key = Openssl({"pkey", "-in", pki_->Key("alpha"), "-pubout"});
  const RunResult public_from_cert =
      Openssl({"x509", "-in", pki_->Cert("alpha"), "-noout", "-pubkey"});
  ASSERT_EQ(public_from_key.exit_code, 0) << public_from_key.err;
  EXPECT_EQ(public_from_key.out, public_from_cert.out);
}

TEST_F(TlsCertsTest, ServerCertificateVerifiesForServerAndClientUse) {
  for (const char* purpose : {"sslserver", "sslclient"}) {
    const RunResult result =
        Openssl({"verify", "-purpose", purpose, "-CAfile", pki_->ca_cert, pki_->Cert("alpha")});
    EXPECT_EQ(result.exit_code, 0) << purpose << ": " << result.out << result.err;
    EXPECT_THAT(result.out, HasSubstr(": OK"));
  }
}

TEST_F(TlsCertsTest, ServerCertificateNamesTheNodeAndLoopback) {
  const RunResult result =
      Openssl({"x509", "-in", pki_->Cert("beta"), "-noout", "-subject", "-ext", "subjectAltName"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("subject=CN = beta\n"));
  EXPECT_THAT(result.out, HasSubstr("IP Address:127.0.0.1"));
  EXPECT_THAT(result.out, HasSubstr("DNS:localhost"));
}

TEST_F(TlsCertsTest, ServerCertificateHasServerAndClientKeyUsage) {
  const RunResult result =
      Openssl({"x509", "-in", pki_->Cert("alpha"), "-noout", "-ext", "extendedKeyUsage"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out,
              HasSubstr("TLS Web Server Authentication, TLS Web Client Authentication"));
}

TEST_F(TlsCertsTest, ClientCertificateNamesTheClientAndIsForClientsOnly) {
  const RunResult subject = Openssl({"x509", "-in", pki_->Cert("admin"), "-noout", "-subject",
                                     "-ext", "subjectAltName,extendedKeyUsage"});
  ASSERT_EQ(subject.exit_code, 0) << subject.err;
  EXPECT_THAT(subject.out, HasSubstr("subject=CN = admin\n"));
  EXPECT_THAT(subject.out, HasSubstr("TLS Web Client Authentication"));
  EXPECT_THAT(subject.out, Not(HasSubstr("Server")));
  const RunResult as_client =
      Openssl({"verify", "-purpose", "sslclient", "-CAfile", pki_->ca_cert, pki_->Cert("admin")});
  EXPECT_EQ(as_client.exit_code, 0) << as_client.out << as_client.err;
  const RunResult as_server =
      Openssl({"verify", "-purpose", "sslserver", "-CAfile", pki_->ca_cert, pki_->Cert("admin")});
  EXPECT_NE(as_server.exit_code, 0) << as_server.out;
}

TEST_F(TlsCertsTest, CertificatesAreBackdatedAndLastOneDay) {
  const std::string a_minute_ago = std::to_string(std::time(nullptr) - 60);
  const RunResult backdated =
      Openssl({"verify", "-attime", a_minute_ago, "-CAfile", pki_->ca_cert, pki_->Cert("alpha")});
  EXPECT_EQ(backdated.exit_code, 0) << backdated.out << backdated.err;
  const auto checkend = [&](int seconds) {
    return Openssl(
               {"x509", "-in", pki_->Cert("alpha"), "-noout", "-checkend", std::to_string(seconds)})
        .exit_code;
  };
  EXPECT_EQ(checkend(23 * 3600), 0) << "expires within 23 hours";
  EXPECT_EQ(checkend(25 * 3600), 1) << "lasts more than 25 hours";
}

TEST_F(TlsCertsTest, RogueClientDoesNotVerifyAgainstTheTestCa) {
  EXPECT_EQ(rogue_->ca_cert, rogue_->dir + "/rogue-ca.crt");
  const RunResult against_test_ca =
      Openssl({"verify", "-CAfile", pki_->ca_cert, rogue_->Cert("mallory")});
  EXPECT_NE(against_test_ca.exit_code, 0) << against_test_ca.out;
  const RunResult against_rogue_ca = Openssl(
      {"verify", "-purpose", "sslclient", "-CAfile", rogue_->ca_cert, rogue_->Cert("mallory")});
  EXPECT_EQ(against_rogue_ca.exit_code, 0) << against_rogue_ca.out << against_rogue_ca.err;
  const RunResult subject = Openssl({"x509", "-in", rogue_->Cert("mallory"), "-noout", "-subject"});
  EXPECT_EQ(subject.out, "subject=CN = mallory\n");
}

TEST_F(TlsCertsTest, RogueClientRefusesToOverwriteACertificate) {
  EXPECT_THAT(MakeRogueClient(dir_->string(), "admin"), StatusIs(absl::StatusCode::kAlreadyExists));
}

TEST(TlsCertsNamesTest, RefusesBadRepeatedAndReservedNames) {
  const std::string dir = FreshTestDir("tls_names").string();
  EXPECT_THAT(MakeTestPki(dir, {"Alpha"}, {}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("'Alpha'")));
  EXPECT_THAT(MakeTestPki(dir, {"a/b"}, {}), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(MakeTestPki(dir, {"-x"}, {}), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(MakeTestPki(dir, {"alpha"}, {"alpha"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("repeated")));
  EXPECT_THAT(MakeTestPki(dir, {"ca"}, {}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("reserved")));
  EXPECT_THAT(MakeRogueClient(dir, "rogue-ca"), StatusIs(absl::StatusCode::kInvalidArgument));
  std::filesystem::remove_all(dir);
}

TEST(TlsCertsErrorsTest, OpensslFailureReportsItsStderr) {
  const std::filesystem::path dir = FreshTestDir("tls_errors");
  std::filesystem::create_directories(dir / "ca.key");  // openssl cannot write the CA key
  EXPECT_THAT(MakeTestPki(dir.string(), {"alpha"}, {}),
              StatusIs(absl::StatusCode::kInternal,
                       AllOf(HasSubstr("openssl genpkey"), HasSubstr("Is a directory"))));
  std::filesystem::remove_all(dir);
}

// A gRPC service that answers every call with UNIMPLEMENTED and "cn=<client certificate CN>",
// so a test sees both that the mutual-TLS handshake passed and whom the server saw.
class PeerNameService : public grpc::CallbackGenericService {
 public:
  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* context) override {
    class Reactor : public grpc::ServerGenericBidiReactor {
     public:
      explicit Reactor(const std::string& message) {
        Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, message));
      }
      void OnDone() override { delete this; }
    };
    std::string names;
    for (const grpc::string_ref& name :
         context->auth_context()->FindPropertyValues(GRPC_X509_CN_PROPERTY_NAME)) {
      names.append(name.data(), name.size());
    }
    return new Reactor("cn=" + names);
  }
};

class GrpcMutualTlsTest : public TlsCertsTest {
 protected:
  void SetUp() override {
    TlsCertsTest::SetUp();
    grpc::SslServerCredentialsOptions options(
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    options.pem_root_certs = ReadWholeFile(pki_->ca_cert);
    options.pem_key_cert_pairs.push_back(
        {ReadWholeFile(pki_->Key("alpha")), ReadWholeFile(pki_->Cert("alpha"))});
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::SslServerCredentials(options), &port_);
    builder.RegisterCallbackGenericService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port_, 0);
  }
  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown(std::chrono::system_clock::now());
  }

  // One call to the server with `cert`/`key` as the client certificate, trusting `ca`.
  grpc::Status Call(const std::string& ca, const std::string& cert, const std::string& key) {
    const grpc::SslCredentialsOptions options{ReadWholeFile(ca), ReadWholeFile(key),
                                              ReadWholeFile(cert)};
    const auto channel =
        grpc::CreateChannel("127.0.0.1:" + std::to_string(port_), grpc::SslCredentials(options));
    grpc::GenericStub stub(channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::Slice slice(std::string("probe"));
    const grpc::ByteBuffer request(&slice, 1);
    grpc::ByteBuffer response;
    std::promise<grpc::Status> done;
    stub.UnaryCall(&context, "/pbl.test.Probe/Call", grpc::StubOptions(), &request, &response,
                   [&done](const grpc::Status& status) { done.set_value(status); });
    return done.get_future().get();
  }

  PeerNameService service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

TEST_F(GrpcMutualTlsTest, AcceptsAClientCertificate) {
  const grpc::Status status = Call(pki_->ca_cert, pki_->Cert("admin"), pki_->Key("admin"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED) << status.error_message();
  EXPECT_EQ(status.error_message(), "cn=admin");
}

TEST_F(GrpcMutualTlsTest, AcceptsANodeCertificateAsAClient) {
  const grpc::Status status = Call(pki_->ca_cert, pki_->Cert("beta"), pki_->Key("beta"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED) << status.error_message();
  EXPECT_EQ(status.error_message(), "cn=beta");
}

TEST_F(GrpcMutualTlsTest, RefusesTheRogueClient) {
  const grpc::Status status = Call(pki_->ca_cert, rogue_->Cert("mallory"), rogue_->Key("mallory"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
}

TEST_F(GrpcMutualTlsTest, ClientRefusesAServerFromAnotherCa) {
  const grpc::Status status = Call(rogue_->ca_cert, pki_->Cert("admin"), pki_->Key("admin"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
}

// ---------------------------------------------------------------------------------------------
// Configuration files.

TEST(FreeLoopbackPortTest, ReturnsAPortThatCanBeBound) {
  const int port = FreeLoopbackPort();
  ASSERT_GT(port, 0);
  ASSERT_LE(port, 65535);
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  EXPECT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)), 0);
  ::close(fd);
}

class WriteNodeConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshTestDir("node_config");
    for (const char* id : {"anhui", "beijing"}) {
      NodeSpec node;
      node.id = id;
      node.origin = TestOrigin(id);
      node.schemes = {id == std::string("anhui") ? "UEBPI-340000" : "UEBPI-110000"};
      node.port = FreeLoopbackPort();
      node.dir = (dir_ / id).string();
      const crypto::SigningKey key = crypto::SigningKey::Generate();
      absl::StatusOr<std::string> private_key = crypto::FormatPrivateKey(node.origin, key);
      ASSERT_TRUE(private_key.ok()) << private_key.status();
      node.signing_key = *private_key;
      node.verifier_key =
          crypto::FormatVerifierKey(node.origin, crypto::kSignatureTypeEd25519, key.public_key());
      node.tls =
          TlsFiles{node.dir + "/node.crt", node.dir + "/node.key", dir_.string() + "/ca.crt"};
      // Given, since the certificate files are not made here.
      node.certificate_key = "sha256:" + std::string(64, id == std::string("anhui") ? 'a' : 'b');
      nodes_.push_back(node);
    }
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // The file parsed by Python's tomllib, as JSON.
  nlohmann::json ParseToml(const std::string& path) {
    const RunResult result = RunProgram(
        {Python(), "-c",
         "import json, sys, tomllib; print(json.dumps(tomllib.load(open(sys.argv[1], 'rb'))))",
         path});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return nlohmann::json::parse(result.out, nullptr, /*allow_exceptions=*/false);
  }

  std::filesystem::path dir_;
  std::vector<NodeSpec> nodes_;
};

TEST_F(WriteNodeConfigTest, WrittenConfigHasEveryTable) {
  if (Python().empty()) GTEST_SKIP() << "needs python3 with tomllib";
  nodes_[0].metrics_port = 9464;
  nodes_[0].limits.max_batch_entries = 100;
  nodes_[0].worker_port = 9465;
  const AccessLists access{{{"admin", "sha256:" + std::string(64, 'a')}},
                           {{"auditor-1", ""}, {"auditor-2", ""}}};
  const FaultPlanSpec faults{42, 10, 20, 30, 50, ""};
  ASSERT_OK_AND_ASSIGN(const std::string path,
                       WriteNodeConfig(nodes_[0], PeersOf(nodes_, "anhui"), access, faults));
  EXPECT_EQ(path, nodes_[0].dir + "/pbld.toml");
  const nlohmann::json config = ParseToml(path);
  ASSERT_TRUE(config.is_object()) << ReadWholeFile(path);
  const nlohmann::json& node = config["node"];
  EXPECT_EQ(node["id"], "anhui");
  EXPECT_EQ(node["origin"], "pbl.test/node/anhui");
  EXPECT_EQ(node["schemes"], nlohmann::json::array({"UEBPI-340000"}));
  EXPECT_EQ(node["data_dir"], nodes_[0].dir + "/data");
  EXPECT_EQ(node["listen"], "127.0.0.1:" + std::to_string(nodes_[0].port));
  EXPECT_EQ(node["worker_listen"], "127.0.0.1:9465");
  EXPECT_EQ(node["signing_key"], nodes_[0].dir + "/signing.key");
  EXPECT_EQ(node["metrics_listen"], "127.0.0.1:9464");
  EXPECT_FALSE(node.contains("dev_plaintext"));
  EXPECT_EQ(config["tls"]["cert"], nodes_[0].dir + "/node.crt");
  EXPECT_EQ(config["tls"]["key"], nodes_[0].dir + "/node.key");
  EXPECT_EQ(config["tls"]["client_ca"], dir_.string() + "/ca.crt");
  ASSERT_EQ(config["peer"].size(), 1u);
  const nlohmann::json& peer = config["peer"][0];
  EXPECT_EQ(peer["id"], "beijing");
  EXPECT_EQ(peer["address"], "127.0.0.1:" + std::to_string(nodes_[1].port));
  EXPECT_EQ(peer["verifier_key"], nodes_[1].verifier_key);
  EXPECT_EQ(peer["identity"], "beijing");
  EXPECT_EQ(peer["certificate_key"], "sha256:" + std::string(64, 'b'));
  EXPECT_EQ(peer["schemes"], nlohmann::json::array({"UEBPI-110000"}));
  EXPECT_EQ(config["access"]["administrators"],
            nlohmann::json::parse(R"([{"name": "admin", "certificate_key": "sha256:)" +
                                  std::string(64, 'a') + R"("}])"));
  EXPECT_EQ(config["access"]["auditors"],
            nlohmann::json::parse(R"([{"name": "auditor-1"}, {"name": "auditor-2"}])"));
  EXPECT_EQ(config["limits"], nlohmann::json({{"max_batch_entries", 100}}));
  // The fault plan is a file of its own, for pbld_faulty; pbld's config has no table for it.
  EXPECT_FALSE(config.contains("testing"));
  const nlohmann::json plan = ParseToml(nodes_[0].FaultPlanPath());
  EXPECT_EQ(plan, nlohmann::json({{"fault_seed", 42},
                                  {"drop_request_percent", 10},
                                  {"drop_response_percent", 20},
                                  {"duplicate_percent", 30},
                                  {"delay_ms_max", 50}}));
}

TEST_F(WriteNodeConfigTest, ANodeWithAFaultPlanRunsAsPbldFaulty) {
  const FaultPlanSpec faults{7, 0, 100, 0, 0, "proof"};
  ASSERT_OK(WriteNodeConfig(nodes_[0], {}, AccessLists{}, faults).status());
  EXPECT_EQ(NodeCommand(nodes_[0], "/bin/pbld", "/bin/pbld_faulty"),
            (std::vector<std::string>{"/bin/pbld_faulty", "--fault-plan",
                                      nodes_[0].dir + "/fault_plan.toml", "--config",
                                      nodes_[0].dir + "/pbld.toml"}));
  EXPECT_THAT(ReadWholeFile(nodes_[0].FaultPlanPath()), HasSubstr("tamper_package = \"proof\""));
  // Written again without a plan, the node runs as pbld and the old plan is gone.
  ASSERT_OK(WriteNodeConfig(nodes_[0], {}, AccessLists{}).status());
  EXPECT_EQ(NodeCommand(nodes_[0], "/bin/pbld", "/bin/pbld_faulty"),
            (std::vector<std::string>{"/bin/pbld", "--config", nodes_[0].dir + "/pbld.toml"}));
  EXPECT_FALSE(std::filesystem::exists(nodes_[0].FaultPlanPath()));
}

TEST_F(WriteNodeConfigTest, NoTlsMeansDevPlaintextAndOptionalTablesAreLeftOut) {
  if (Python().empty()) GTEST_SKIP() << "needs python3 with tomllib";
  nodes_[1].tls.reset();
  nodes_[1].identity = "beijing-node";
  ASSERT_OK_AND_ASSIGN(const std::string path, WriteNodeConfig(nodes_[1], {}, AccessLists{}));
  const nlohmann::json config = ParseToml(path);
  ASSERT_TRUE(config.is_object()) << ReadWholeFile(path);
  EXPECT_EQ(config["node"]["dev_plaintext"], true);
  EXPECT_FALSE(config["node"].contains("metrics_listen"));
  EXPECT_FALSE(config["node"].contains("rules_dir"));
  for (const char* table : {"tls", "peer", "limits", "testing"}) {
    EXPECT_FALSE(config.contains(table)) << table;
  }
  EXPECT_EQ(config["access"]["administrators"], nlohmann::json::array());
}

TEST_F(WriteNodeConfigTest, PeerIdentityDefaultsToItsId) {
  nodes_[1].identity = "beijing-node";
  EXPECT_EQ(nodes_[0].Identity(), "anhui");
  EXPECT_EQ(nodes_[1].Identity(), "beijing-node");
  ASSERT_OK_AND_ASSIGN(const std::string text,
                       FormatNodeConfig(nodes_[0], {nodes_[1]}, AccessLists{}));
  EXPECT_THAT(text, HasSubstr("identity = \"beijing-node\"\n"));
}

TEST_F(WriteNodeConfigTest, StringsAreEscaped) {
  nodes_[0].origin = "quote\" back\\slash\ttab";
  ASSERT_OK_AND_ASSIGN(const std::string text, FormatNodeConfig(nodes_[0], {}, AccessLists{}));
  EXPECT_THAT(text, HasSubstr(R"(origin = "quote\" back\\slash\ttab")"));
}

TEST_F(WriteNodeConfigTest, SigningKeyFileIsOwnerOnlyAndReadsBack) {
  ASSERT_OK(WriteNodeConfig(nodes_[0], {}, AccessLists{}).status());
  EXPECT_EQ(FileMode(nodes_[0].SigningKeyPath()), 0600u);
  ASSERT_OK_AND_ASSIGN(const crypto::NamedKey key, crypto::ReadKeyFile(nodes_[0].SigningKeyPath()));
  EXPECT_EQ(key.name, "pbl.test/node/anhui");
  EXPECT_EQ(
      crypto::FormatVerifierKey(key.name, crypto::kSignatureTypeEd25519, key.key.public_key()),
      nodes_[0].verifier_key);
}

TEST_F(WriteNodeConfigTest, EmptySigningKeyWritesNoKeyFile) {
  nodes_[0].signing_key.clear();
  ASSERT_OK(WriteNodeConfig(nodes_[0], {}, AccessLists{}).status());
  EXPECT_TRUE(std::filesystem::exists(nodes_[0].ConfigPath()));
  EXPECT_FALSE(std::filesystem::exists(nodes_[0].SigningKeyPath()));
}

TEST_F(WriteNodeConfigTest, RefusesWhatTheHarnessCannotRun) {
  NodeSpec relative = nodes_[0];
  relative.dir = "relative/dir";
  EXPECT_THAT(FormatNodeConfig(relative, {}, AccessLists{}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("absolute")));
  NodeSpec no_port = nodes_[0];
  no_port.port = 0;
  EXPECT_THAT(FormatNodeConfig(no_port, {}, AccessLists{}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("port 0")));
  NodeSpec bad_peer = nodes_[1];
  bad_peer.port = 70000;
  EXPECT_THAT(FormatNodeConfig(nodes_[0], {bad_peer}, AccessLists{}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("peer 'beijing'")));
  FaultPlanSpec huge_seed;
  huge_seed.seed = ~uint64_t{0};
  EXPECT_THAT(WriteNodeConfig(nodes_[0], {}, AccessLists{}, huge_seed),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("seed")));
  FaultPlanSpec unknown_tamper;
  unknown_tamper.tamper_package = "receipt";
  EXPECT_THAT(FormatFaultPlan(unknown_tamper),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("receipt")));
}

// ---------------------------------------------------------------------------------------------
// Processes, against a stand-in daemon that takes `--config FILE` like pbld.

constexpr char kStandInScript[] = R"(
import signal, socket, sys, time, tomllib

mode = sys.argv[1]
if sys.argv[2:3] != ["--config"] or len(sys.argv) != 4:
    print("usage: stand_in MODE --config FILE", file=sys.stderr)
    sys.exit(64)

def on_term(signum, frame):
    print("stopping on SIGTERM", flush=True)
    sys.exit(0)

signal.signal(signal.SIGTERM, signal.SIG_IGN if mode == "ignore-term" else on_term)
with open(sys.argv[3], "rb") as f:
    node = tomllib.load(f)["node"]
print("stand-in", node["id"], "mode", mode, flush=True)
if mode == "exit-early":
    print("bad config: refusing to start", file=sys.stderr, flush=True)
    sys.exit(2)
if mode == "never-listen":
    while True:
        time.sleep(1)
time.sleep(0.3)  # a slow start: the harness must wait for the port
host, port = node["listen"].rsplit(":", 1)
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((host, int(port)))
server.listen(16)
print("listening on", node["listen"], flush=True)
while True:
    connection, _ = server.accept()
    connection.close()
)";

class NodeProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (Python().empty()) GTEST_SKIP() << "needs python3 with tomllib";
    dir_ = FreshTestDir("node_process");
    node_.id = "anhui";
    node_.origin = TestOrigin("anhui");
    node_.schemes = {"UEBPI-340000"};
    node_.port = FreeLoopbackPort();
    ASSERT_GT(node_.port, 0);
    node_.dir = (dir_ / "anhui").string();
    ASSERT_OK(WriteNodeConfig(node_, {}, AccessLists{}).status());
    const std::string script = dir_.string() + "/stand_in.py";
    ASSERT_OK(node_harness_internal::WriteFileWithMode(script, kStandInScript, 0644));
    // Start(program, config) runs `program --config config`; a wrapper puts the mode first.
    for (const char* mode : {"serve", "ignore-term", "exit-early", "never-listen"}) {
      const std::string wrapper = dir_.string() + "/" + mode;
      ASSERT_OK(node_harness_internal::WriteFileWithMode(
          wrapper, "#!/bin/sh\nexec " + Python() + " " + script + " " + mode + " \"$@\"\n", 0755));
    }
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string StandIn(const std::string& mode) const { return dir_.string() + "/" + mode; }

  std::filesystem::path dir_;
  NodeSpec node_;
};

TEST_F(NodeProcessTest, StartReturnsOnceThePortAcceptsConnections) {
  NodeProcess process(node_);
  ASSERT_OK(process.Start(StandIn("serve"), node_.ConfigPath()));
  EXPECT_TRUE(process.IsRunning());
  EXPECT_GT(process.pid(), 0);
  EXPECT_TRUE(LoopbackPortAcceptsConnections(node_.port));
  EXPECT_EQ(process.log_path(), node_.dir + "/pbld.log");
  EXPECT_THAT(process.LogTail(), HasSubstr("listening on 127.0.0.1:"));
}

TEST_F(NodeProcessTest, StopSendsSigtermAndReturnsTheExitCode) {
  NodeProcess process(node_);
  ASSERT_OK(process.Start(StandIn("serve"), node_.ConfigPath()));
  const ProcessExit exit = process.Stop();
  EXPECT_TRUE(exit.Clean()) << exit.ToString();
  EXPECT_EQ(exit.exit_code, 0);
  EXPECT_FALSE(exit.killed_after_grace);
  EXPECT_FALSE(process.IsRunning());
  EXPECT_FALSE(LoopbackPortAcceptsConnections(node_.port));
  EXPECT_EQ(process.LogTail(1), "stopping on SIGTERM\n");
}

TEST_F(NodeProcessTest, StopKillsAProcessThatIgnoresSigterm) {
  NodeProcess process(node_);
  ASSERT_OK(process.Start(StandIn("ignore-term"), node_.ConfigPath()));
  const ProcessExit exit = process.Stop(std::chrono::milliseconds(300));
  EXPECT_EQ(exit.exit_code, -1);
  EXPECT_EQ(exit.term_signal, SIGKILL);
  EXPECT_TRUE(exit.killed_after_grace);
  EXPECT_FALSE(process.IsRunning());
}

TEST_F(NodeProcessTest, StopOfAStoppedProcessReturnsTheLastExit) {
  NodeProcess process(node_);
  ASSERT_OK(process.Start(StandIn("serve"), node_.ConfigPath()));
  process.Stop();
  const ProcessExit again = process.Stop();
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_EQ(process.last_exit().exit_code, 0);
}

TEST_F(NodeProcessTest, KillEndsTheProcessAtOnce) {
  NodeProcess process(node_);
  ASSERT_OK(process.Start(StandIn("serve"), node_.ConfigPath()));
  const ProcessExit exit = process.Kill();
  EXPECT_EQ(exit.term_signal, SIGKILL);
  EXPECT_FALSE(exit.killed_after_grace);
  EXPECT_FALSE(process.IsRunning());
  EXPECT_FALSE(LoopbackPortAcceptsConnections(node_.port));
}

TEST_F(NodeProcessTest, RestartServesAgainOnTheSamePort) {
  NodeProcess process(node_);
  ASSERT_OK(process.Start(StandIn("serve"), node_.ConfigPath()));
  const pid_t first = process.pid();
  ASSERT_OK(process.Restart());
  EXPECT_EQ(process.last_exit().exit_code, 0);
  EXPECT_NE(process.pid(), first);
  EXPECT_TRUE(LoopbackPortAcceptsConnections(node_.port));
  const std::string log = ReadWholeFile(process.log_path());
  EXPECT_NE(log.find("=== node_harness: starting"), log.rfind("=== node_harness: starting"))
      << "two runs, one log:\n"
      << log;
}

TEST_F(NodeProcessTest, StartFailsWithTheLogTailWhenTheProcessExits) {
  NodeProcess process(node_);
  EXPECT_THAT(process.Start(StandIn("exit-early"), node_.ConfigPath()),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("exit code 2"), HasSubstr("bad config: refusing"))));
  EXPECT_FALSE(process.IsRunning());
  EXPECT_EQ(process.last_exit().exit_code, 2);
}

TEST_F(NodeProcessTest, StartTimesOutAndKillsWhenThePortNeverOpens) {
  NodeProcess process(node_);
  process.set_start_timeout(std::chrono::milliseconds(500));
  EXPECT_THAT(process.Start(StandIn("never-listen"), node_.ConfigPath()),
              StatusIs(absl::StatusCode::kDeadlineExceeded,
                       AllOf(HasSubstr("500 ms"), HasSubstr("mode never-listen"))));
  EXPECT_FALSE(process.IsRunning());
  EXPECT_EQ(process.last_exit().term_signal, SIGKILL);
}

TEST_F(NodeProcessTest, StartFailsWhenTheProgramCannotRun) {
  NodeProcess process(node_);
  EXPECT_THAT(process.Start(dir_.string() + "/no-such-pbld", node_.ConfigPath()),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("exit code 127"), HasSubstr("cannot execute"))));
}

TEST_F(NodeProcessTest, StartRefusesAPortSomethingElseListensOn) {
  NodeProcess first(node_);
  ASSERT_OK(first.Start(StandIn("serve"), node_.ConfigPath()));
  NodeProcess second(node_);
  EXPECT_THAT(second.Start(StandIn("serve"), node_.ConfigPath()),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("already listens")));
  EXPECT_THAT(first.Start(StandIn("serve"), node_.ConfigPath()),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("already running")));
}

TEST_F(NodeProcessTest, DestructorKillsARunningProcess) {
  pid_t pid = 0;
  {
    NodeProcess process(node_);
    ASSERT_OK(process.Start(StandIn("serve"), node_.ConfigPath()));
    pid = process.pid();
  }
  EXPECT_EQ(::kill(pid, 0), -1) << "the child is gone and reaped";
  EXPECT_FALSE(LoopbackPortAcceptsConnections(node_.port));
}

TEST_F(NodeProcessTest, MovedProcessKeepsRunning) {
  NodeProcess process(node_);
  ASSERT_OK(process.Start(StandIn("serve"), node_.ConfigPath()));
  std::vector<NodeProcess> processes;
  processes.push_back(std::move(process));
  EXPECT_FALSE(process.IsRunning());  // NOLINT(bugprone-use-after-move): moved-from is empty
  EXPECT_TRUE(processes[0].IsRunning());
  EXPECT_EQ(processes[0].Stop().exit_code, 0);
}

TEST_F(NodeProcessTest, LogTailReturnsTheLastLines) {
  const std::string log = dir_.string() + "/tail.log";
  ASSERT_OK(node_harness_internal::WriteFileWithMode(log, "one\ntwo\nthree\n", 0644));
  const NodeProcess process(log, node_.port);
  EXPECT_EQ(process.LogTail(2), "two\nthree\n");
  EXPECT_EQ(process.LogTail(1), "three\n");
  EXPECT_EQ(process.LogTail(10), "one\ntwo\nthree\n");
  EXPECT_EQ(process.LogTail(0), "");
  EXPECT_EQ(NodeProcess(dir_.string() + "/missing.log", node_.port).LogTail(), "");
}

TEST_F(NodeProcessTest, RunsPythonHttpServerAsAStandIn) {
  NodeProcess process(node_.LogPath(), node_.port);
  ASSERT_OK(process.StartCommand(
      {Python(), "-m", "http.server", "--bind", "127.0.0.1", std::to_string(node_.port)}));
  const ProcessExit exit = process.Stop();
  EXPECT_EQ(exit.term_signal, SIGTERM) << exit.ToString();
  EXPECT_EQ(exit.exit_code, -1);
}

}  // namespace
}  // namespace pbl::testing
