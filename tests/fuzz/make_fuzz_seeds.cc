// Writes the seeds of the fuzz targets that need real signed data or real entries, from the
// fixed world of fuzz_fixtures.h (tests/fuzz/corpus/README.md says which and how):
//   make_fuzz_seeds [--check] CORPUS_DIR
// writes CORPUS_DIR/<target>/<name> for entry_fuzzer, statement_fuzzer, config_fuzzer and
// transfer_package_fuzzer, each a valid input or a near-valid one named for its one defect.
// With --check nothing is written: it exits 1 unless every seed is already there, byte for
// byte (the fuzz_seeds test runs this, so that a change to the world or to a format cannot
// leave the committed seeds stale).
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "cli/statement_file.h"
#include "crypto/checkpoint.h"
#include "crypto/note.h"
#include "pbl/v1/entry.pb.h"
#include "pbl/v1/node.pb.h"
#include "rpc/peers.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_fixtures.h"

namespace pbl::fuzz {
namespace {

struct Seed {
  std::string target;
  std::string name;
  std::string bytes;
};

std::string Serialized(const v1::Entry& e) { return e.SerializeAsString(); }

// Entries: one valid entry of each body kind, and entries with one defect each.
void EntrySeeds(std::vector<Seed>* seeds) {
  const std::vector<v1::Entry> samples = SampleEntries();
  for (const v1::Entry& e : samples) {
    // The name of the body field, e.g. "valid-monthly_contribution".
    const google::protobuf::FieldDescriptor* body =
        e.GetReflection()->GetOneofFieldDescriptor(e, e.GetDescriptor()->oneof_decl(0));
    seeds->push_back({"entry_fuzzer", "valid-" + std::string(body->name()), Serialized(e)});
  }
  const v1::Entry& contribution = samples.front();
  // An unknown field 99 (varint 1) at the end.
  seeds->push_back({"entry_fuzzer", "unknown-field", Serialized(contribution) + "\x98\x06\x01"});
  // scheme_id given a second time: the last one wins, so the bytes are not canonical.
  seeds->push_back(
      {"entry_fuzzer", "repeated-scheme-id", Serialized(contribution) + "\x0a\x0cUEBPI-340000"});
  v1::Entry e = contribution;
  e.set_node_time_unix_ms(0);
  seeds->push_back({"entry_fuzzer", "zero-node-time", Serialized(e)});
  e = contribution;
  std::string person = e.person_id();
  person[17] = person[17] == '1' ? '2' : '1';
  e.set_person_id(person);
  seeds->push_back({"entry_fuzzer", "wrong-check-character", Serialized(e)});
  e = contribution;
  e.mutable_monthly_contribution()->set_base_fen(10'000'000'001);
  seeds->push_back({"entry_fuzzer", "amount-over-max", Serialized(e)});
  e = contribution;
  e.mutable_monthly_contribution()->set_period("2024-13");
  seeds->push_back({"entry_fuzzer", "month-13", Serialized(e)});
  e = contribution;
  e.set_scheme_id("URRBPI-340000");
  seeds->push_back({"entry_fuzzer", "contribution-in-resident-scheme", Serialized(e)});
  for (const v1::Entry& s : samples) {
    if (!s.has_transfer_initiated()) continue;
    e = s;
    v1::MonthRange* r = e.mutable_transfer_initiated()->mutable_figures()->add_months_credited();
    r->set_first("2022-06");
    r->set_last("2022-07");
    seeds->push_back({"entry_fuzzer", "overlapping-month-ranges", Serialized(e)});
  }
}

std::string Statement(const v1::Statement& statement) {
  absl::StatusOr<std::string> text = cli::FormatStatementFile(statement);
  PBL_FUZZ_CHECK(text.ok(), "the world's statement can be written");
  return *std::move(text);
}

std::string ReplaceFirst(std::string text, std::string_view from, std::string_view to) {
  const size_t at = text.find(from);
  PBL_FUZZ_CHECK(at != std::string::npos, "a seed edit finds its text");
  return text.replace(at, from.size(), to);
}

void StatementSeeds(std::vector<Seed>* seeds) {
  const FuzzWorld& w = World();
  const std::string valid = Statement(w.statement);
  seeds->push_back({"statement_fuzzer", "valid", valid});
  seeds->push_back({"statement_fuzzer", "valid-cosigned", Statement(w.cosigned_statement)});
  v1::Statement s = w.statement;
  s.mutable_entries(1)->set_entry(w.source_log.entry(0));
  seeds->push_back({"statement_fuzzer", "another-persons-entry", Statement(s)});
  s = w.statement;
  s.mutable_entries(2)->mutable_inclusion_proof(0)->at(0) ^= 1;
  seeds->push_back({"statement_fuzzer", "wrong-proof-hash", Statement(s)});
  s = w.statement;
  s.mutable_entries(0)->mutable_inclusion_proof()->RemoveLast();
  seeds->push_back({"statement_fuzzer", "short-proof", Statement(s)});
  seeds->push_back({"statement_fuzzer", "trailing-text", valid + "proof AAAA\n"});
  seeds->push_back(
      {"statement_fuzzer", "missing-final-newline", valid.substr(0, valid.size() - 1)});
  seeds->push_back(
      {"statement_fuzzer", "leading-zero-count", ReplaceFirst(valid, "\nentries ", "\nentries 0")});
  seeds->push_back({"statement_fuzzer", "crlf-header", ReplaceFirst(valid, "v1\n", "v1\r\n")});
}

// The transfer's real package, receipt and void in every mode of transfer_package_fuzzer, and
// messages with one defect each.
void TransferSeeds(std::vector<Seed>* seeds) {
  const FuzzWorld& w = World();
  const auto add = [&](std::string name, uint8_t first, const std::string& payload) {
    seeds->push_back({"transfer_package_fuzzer", std::move(name),
                      std::string(1, static_cast<char>(first)) + payload});
  };
  for (uint8_t mode = 0; mode < 4; ++mode) {
    const std::string suffix = "-mode" + std::to_string(mode);
    add("valid-package" + suffix, static_cast<uint8_t>(mode << 1),
        mode == 0 ? w.package.SerializeAsString() : w.package.body());
    add("valid-receipt" + suffix, static_cast<uint8_t>(mode << 1 | 1),
        mode == 0 ? w.receipt.SerializeAsString() : w.receipt.body());
    add("valid-void" + suffix, static_cast<uint8_t>(8 | mode << 1),
        mode == 0 ? w.signed_void.SerializeAsString() : w.signed_void.body());
  }
  v1::SignedMessage bad = w.package;
  bad.mutable_signature()->at(0) ^= 1;
  add("package-bad-signature-mode0", 0, bad.SerializeAsString());
  v1::TransferPackage p;
  PBL_FUZZ_CHECK(p.ParseFromString(w.package.body()), "the world's package parses");
  v1::TransferPackage dropped = p;
  dropped.mutable_entries()->erase(dropped.mutable_entries()->begin() + 5);
  add("package-dropped-entry-mode3", 6, dropped.SerializeAsString());
  v1::TransferPackage no_initiated = p;
  no_initiated.mutable_entries()->RemoveLast();
  add("package-without-initiated-mode3", 6, no_initiated.SerializeAsString());
  v1::TransferPackage other = p;
  other.mutable_entries(2)->set_entry(w.source_log.entry(0));
  add("package-other-persons-entry-mode3", 6, other.SerializeAsString());
  // A correction that takes more out of the account than was ever paid in.
  v1::TransferPackage overdrawn = p;
  v1::Entry correction;
  PBL_FUZZ_CHECK(correction.ParseFromString(w.source_log.entry(w.person_indexes[3])),
                 "the world's entry parses");
  const uint64_t corrected = static_cast<uint64_t>(w.person_indexes[3]);
  correction.clear_monthly_contribution();
  correction.mutable_correction()->set_corrects_index(corrected);
  correction.mutable_correction()->set_reason("reversed twice");
  correction.mutable_correction()->set_personal_delta_fen(-10'000'000'000);
  v1::ProvenEntry* last = overdrawn.mutable_entries(overdrawn.entries_size() - 1);
  v1::ProvenEntry initiated = *last;
  last->set_entry(correction.SerializeAsString());
  last->set_index(initiated.index());
  initiated.set_index(initiated.index() + 1);
  *overdrawn.add_entries() = initiated;
  add("package-overdrawn-account-mode3", 6, overdrawn.SerializeAsString());
  v1::TransferPackage wrong_id = p;
  wrong_id.mutable_terms()->set_transfer_id("t-fuzz-2");
  add("package-other-transfer-id-mode1", 2, wrong_id.SerializeAsString());
  v1::TransferReceipt r;
  PBL_FUZZ_CHECK(r.ParseFromString(w.receipt.body()), "the world's receipt parses");
  // A destination that credited other figures than the source's, in its entry and receipt.
  v1::TransferReceipt figures = r;
  figures.mutable_figures()->set_pooled_fen(figures.figures().pooled_fen() + 1);
  v1::Entry in;
  PBL_FUZZ_CHECK(in.ParseFromString(r.transfer_in().entry()), "the world's transfer_in parses");
  *in.mutable_transfer_in()->mutable_figures() = figures.figures();
  figures.mutable_transfer_in()->set_entry(in.SerializeAsString());
  add("receipt-other-figures-mode3", 7, figures.SerializeAsString());
  v1::TransferReceipt mismatch = r;
  mismatch.mutable_figures()->set_refund_fen(1);
  add("receipt-entry-differs-mode3", 7, mismatch.SerializeAsString());
  v1::TransferReceipt wrong_proof = r;
  wrong_proof.mutable_transfer_in()->mutable_inclusion_proof(0)->at(3) ^= 4;
  add("receipt-wrong-proof-mode2", 5, wrong_proof.SerializeAsString());
  v1::TransferVoid v;
  PBL_FUZZ_CHECK(v.ParseFromString(w.signed_void.body()), "the world's void parses");
  // A void of another transfer's entry, and one whose entry is a transfer_in.
  v1::TransferVoid other_void = v;
  v1::Entry voided;
  PBL_FUZZ_CHECK(voided.ParseFromString(v.transfer_voided().entry()), "the void's entry parses");
  voided.mutable_transfer_voided()->set_transfer_id("t-fuzz-2");
  other_void.mutable_transfer_voided()->set_entry(voided.SerializeAsString());
  add("void-other-transfer-mode3", 14, other_void.SerializeAsString());
  v1::TransferVoid credited = v;
  credited.mutable_transfer_voided()->set_entry(r.transfer_in().entry());
  add("void-of-a-credit-mode3", 14, credited.SerializeAsString());
  v1::TransferVoid unproved = v;
  unproved.mutable_transfer_voided()->mutable_inclusion_proof(0)->at(1) ^= 2;
  add("void-wrong-proof-mode2", 12, unproved.SerializeAsString());
}

std::string VerifierKeyOf(const FuzzNode& node) { return node.signer().VerifierKey(); }

// A configuration like the ones tests/rpc writes, with the fixture's keys for its peers.
std::string FullConfig() {
  return "# The destination node of the fuzz fixture.\n"
         "[node]\n"
         "id = \"shanghai\"\n"
         "origin = \"pbl.example/shanghai\"\n"
         "schemes = [\"UEBPI-310000\", \"URRBPI-310000\"]\n"
         "data_dir = \"data/shanghai\"\n"
         "listen = \"127.0.0.1:7443\"\n"
         "worker_listen = \"127.0.0.1:7453\"\n"
         "signing_key = \"keys/shanghai.key\"\n"
         "metrics_listen = \"127.0.0.1:9464\"\n"
         "rules_dir = \"/usr/share/pbl/rules\"\n"
         "dev_plaintext = false\n\n"
         "[tls]\n"
         "cert = \"tls/shanghai.crt\"\n"
         "key = \"tls/shanghai.key\"\n"
         "client_ca = \"tls/ca.crt\"\n\n"
         "[[peer]]\n"
         "id = \"anhui\"\n"
         "address = \"127.0.0.1:7444\"\n"
         "verifier_key = \"" +
         VerifierKeyOf(SourceNode()) +
         "\"\n"
         "identity = \"node-anhui\"\n"
         "certificate_key = "
         "\"sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"\n"
         "schemes = [\"UEBPI-340000\", \"URRBPI-340000\"]\n\n"
         "[[peer]]\n"
         "id = \"witness\"\n"
         "address = \"[::1]:7445\"\n"
         "verifier_key = \"" +
         VerifierKeyOf(WitnessNode()) +
         "\"\n"
         "identity = \"node-witness\"\n"
         "certificate_key = "
         "\"sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\"\n\n"
         "[access]\n"
         "administrators = [\n"
         "  { name = \"admin-shanghai\", certificate_key = "
         "\"sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc\" },\n"
         "  { name = \"admin-2\", certificate_key = "
         "\"sha256:dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd\" },\n"
         "]\n"
         "auditors = [{ name = \"auditor\", certificate_key = "
         "\"sha256:eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee\" }]\n\n"
         "[limits]\n"
         "max_batch_entries = 5000\n"
         "max_message_bytes = 16777216\n"
         "transfer_deadline_seconds = 600\n"
         "worker_token_max_seconds = 86400\n"
         "open_transfers_per_peer_max = 500\n"
         "worker_max_message_bytes = 16384\n"
         "worker_memory_bytes = 16777216\n"
         "worker_threads_max = 16\n"
         "listen_memory_bytes = 1073741824\n"
         "listen_threads_max = 64\n";
}

void ConfigSeeds(std::vector<Seed>* seeds) {
  const std::string full = FullConfig();
  seeds->push_back({"config_fuzzer", "valid-full", full});
  seeds->push_back({"config_fuzzer", "valid-minimal",
                    "[node]\n"
                    "id = \"shanghai\"\n"
                    "origin = \"pbl.example/shanghai\"\n"
                    "schemes = [\"UEBPI-310000\"]\n"
                    "data_dir = \"data\"\n"
                    "listen = \"0.0.0.0:7443\"\n"
                    "signing_key = \"node.key\"\n\n"
                    "[tls]\n"
                    "cert = \"tls/node.crt\"\n"
                    "key = \"tls/node.key\"\n"
                    "client_ca = \"tls/ca.crt\"\n"});
  seeds->push_back({"config_fuzzer", "valid-dev-plaintext",
                    "[node]\n"
                    "id = \"dev\"\n"
                    "origin = \"localhost/dev\"\n"
                    "schemes = [\"HPF-110000\", \"MLG-110000\"]\n"
                    "data_dir = \"/var/lib/pbl\"\n"
                    "listen = \"localhost:0\"\n"
                    "signing_key = \"dev.key\"\n"
                    "dev_plaintext = true\n"});
  seeds->push_back({"config_fuzzer", "duplicate-peer-id",
                    ReplaceFirst(full, "id = \"witness\"", "id = \"anhui\"")});
  seeds->push_back(
      {"config_fuzzer", "testing-on-public-address",
       ReplaceFirst(full, "listen = \"127.0.0.1:7443\"", "listen = \"10.0.0.1:7443\"")});
  seeds->push_back({"config_fuzzer", "scheme-hosted-twice",
                    ReplaceFirst(full, "[\"UEBPI-340000\",", "[\"UEBPI-310000\",")});
  seeds->push_back({"config_fuzzer", "identity-also-administrator",
                    ReplaceFirst(full, "\"admin-2\"", "\"node-anhui\"")});
  seeds->push_back(
      {"config_fuzzer", "certificate-key-twice",
       ReplaceFirst(full, "sha256:eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee",
                    "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")});
  seeds->push_back(
      {"config_fuzzer", "certificate-key-missing",
       ReplaceFirst(full,
                    "certificate_key = "
                    "\"sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"\n",
                    "")});
  seeds->push_back({"config_fuzzer", "unknown-key",
                    ReplaceFirst(full, "[limits]\n", "[limits]\nmax_peers = 3\n")});
  seeds->push_back(
      {"config_fuzzer", "cosignature-peer-key",
       ReplaceFirst(full, VerifierKeyOf(WitnessNode()), WitnessNode().cosigner().VerifierKey())});
}

bool SameFile(const std::filesystem::path& path, const std::string& bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  const std::string have((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return have == bytes;
}

}  // namespace
}  // namespace pbl::fuzz

int main(int argc, char** argv) {
  const bool check = argc == 3 && std::string_view(argv[1]) == "--check";
  if (argc != 2 && !check) {
    std::fprintf(stderr, "usage: %s [--check] CORPUS_DIR\n", argv[0]);
    return 2;
  }
  const std::filesystem::path corpus = argv[argc - 1];
  std::vector<pbl::fuzz::Seed> seeds;
  pbl::fuzz::EntrySeeds(&seeds);
  pbl::fuzz::StatementSeeds(&seeds);
  pbl::fuzz::TransferSeeds(&seeds);
  pbl::fuzz::ConfigSeeds(&seeds);
  int stale = 0;
  for (const pbl::fuzz::Seed& seed : seeds) {
    const std::filesystem::path path = corpus / seed.target / seed.name;
    if (check) {
      if (pbl::fuzz::SameFile(path, seed.bytes)) continue;
      std::fprintf(stderr, "stale or missing seed: %s\n", path.c_str());
      ++stale;
      continue;
    }
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << seed.bytes;
  }
  if (stale > 0) {
    std::fprintf(stderr, "%d seeds differ; run make_fuzz_seeds %s and commit them\n", stale,
                 corpus.c_str());
    return 1;
  }
  std::fprintf(stderr, "%zu seeds %s\n", seeds.size(), check ? "up to date" : "written");
  return 0;
}
