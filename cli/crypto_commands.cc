#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cli/command_registry.h"
#include "cli/exit_codes.h"
#include "crypto/aead.h"
#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"
#include "crypto/certificate_key.h"
#include "crypto/checkpoint.h"
#include "crypto/cosignature.h"
#include "crypto/encoding.h"
#include "crypto/key_file.h"
#include "crypto/merkle.h"
#include "crypto/note.h"
#include "crypto/note_verifiers.h"
#include "crypto/tlog_proof.h"

namespace pbl::cli {

namespace {

using crypto::Checkpoint;
using crypto::NoteSigner;
using crypto::NoteVerifier;

// Entries in an entries file are lines; a line is at most as long as a log entry may be.
constexpr size_t kEntryBytesMax = 65535;
constexpr size_t kInputFileBytesMax = size_t{1} << 30;

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::error_code ec;
  const uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) return absl::NotFoundError(StrCat("cannot read ", path, ": ", ec.message()));
  if (size > kInputFileBytesMax) return absl::InvalidArgumentError(StrCat(path, " is too large"));
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(StrCat("cannot open ", path));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

absl::Status WriteOutput(const std::string& path, std::string_view data, std::ostream& out) {
  if (path.empty()) {
    out << data;
    return absl::OkStatus();
  }
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << data;
  file.close();
  if (!file) return absl::UnavailableError(StrCat("cannot write ", path));
  return absl::OkStatus();
}

// Splits an entries file into its lines (the final newline ends the last line).
absl::StatusOr<std::vector<std::string>> ReadEntries(const std::string& path) {
  PBL_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  std::vector<std::string> entries;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (end - start > kEntryBytesMax) {
      return absl::InvalidArgumentError(
          StrCat(path, " line ", entries.size() + 1, " is longer than ", kEntryBytesMax, " bytes"));
    }
    entries.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  if (entries.empty()) return absl::InvalidArgumentError(StrCat(path, " holds no entries"));
  return entries;
}

crypto::MemoryHashStore BuildTree(const std::vector<std::string>& entries) {
  crypto::MemoryHashStore store;
  for (const std::string& e : entries) store.Append(crypto::AsBytes(e));
  return store;
}

absl::StatusOr<std::unique_ptr<NoteVerifier>> ReadVerifier(const std::string& vkey_or_file) {
  // Accept the key itself or a file holding it, as users copy either around.
  std::string vkey = vkey_or_file;
  if (std::filesystem::is_regular_file(vkey_or_file)) {
    PBL_ASSIGN_OR_RETURN(vkey, ReadFile(vkey_or_file));
    while (!vkey.empty() && (vkey.back() == '\n' || vkey.back() == '\r')) vkey.pop_back();
  }
  return crypto::NewNoteVerifier(vkey);
}

// Reports a failed command on `err` and turns its status into an exit code.
int Fail(std::ostream& err, std::string_view what, const absl::Status& status) {
  err << "pbl: " << what << ": " << ToStd(status.message()) << "\n";
  return ExitCodeFor(status);
}

struct KeygenFlags {
  std::string name;
  std::string out;
  bool master = false;
};

// `pbl keygen --master`: a v2 node's master key ([node] master_key), 32 random bytes.
int RunMasterKeygen(const KeygenFlags& f, std::ostream& err) {
  if (!f.name.empty()) {
    return Fail(err, "keygen", absl::InvalidArgumentError("a master key has no --name"));
  }
  if (absl::Status s = crypto::WriteMasterKeyFile(f.out, crypto::SecretKey::Generate()); !s.ok()) {
    return Fail(err, "keygen", s);
  }
  err << "pbl: wrote master key " << f.out
      << " (mode 0600). Keep it outside the node's data directory and back it up apart from the "
         "data: without it the log's content cannot be read\n";
  return kExitOk;
}

int RunKeygen(const KeygenFlags& f, std::ostream& out, std::ostream& err) {
  if (f.master) return RunMasterKeygen(f, err);
  if (f.name.empty()) {
    return Fail(err, "keygen", absl::InvalidArgumentError("--name is required (or --master)"));
  }
  const crypto::SigningKey key = crypto::SigningKey::Generate();
  if (absl::Status s = crypto::WriteKeyFile(f.out, f.name, key); !s.ok()) {
    return Fail(err, "keygen", s);
  }
  out << crypto::FormatVerifierKey(f.name, crypto::kSignatureTypeEd25519, key.public_key()) << "\n";
  err << "pbl: wrote private key " << f.out << " (mode 0600); the line above is its verifier key\n";
  return kExitOk;
}

int RunVkey(const std::string& key_path, std::ostream& out, std::ostream& err) {
  absl::StatusOr<crypto::NamedKey> key = crypto::ReadKeyFile(key_path);
  if (!key.ok()) return Fail(err, "vkey", key.status());
  out << crypto::FormatVerifierKey(key->name, crypto::kSignatureTypeEd25519, key->key.public_key())
      << "\n";
  return kExitOk;
}

// The key id a node's configuration pins for a certificate (crypto/certificate_key.h).
int RunCertKey(const std::string& cert_path, std::ostream& out, std::ostream& err) {
  std::ifstream in(cert_path, std::ios::binary);
  if (!in) return Fail(err, "cert-key", absl::NotFoundError("cannot read " + cert_path));
  const std::string pem((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  absl::StatusOr<std::string> key = crypto::CertificateKeyId(pem);
  if (!key.ok()) return Fail(err, "cert-key", key.status());
  out << *key << "\n";
  return kExitOk;
}

struct SignFlags {
  std::string key;
  std::string entries;
  std::string out;
};

absl::StatusOr<std::string> SignEntries(const SignFlags& f) {
  PBL_ASSIGN_OR_RETURN(crypto::NamedKey key, crypto::ReadKeyFile(f.key));
  PBL_ASSIGN_OR_RETURN(std::vector<std::string> entries, ReadEntries(f.entries));
  const crypto::MemoryHashStore store = BuildTree(entries);
  PBL_ASSIGN_OR_RETURN(crypto::Ed25519NoteSigner signer,
                       crypto::Ed25519NoteSigner::Create(key.name, &key.key));
  const NoteSigner* signers[] = {&signer};
  return crypto::SignCheckpoint(Checkpoint{key.name, store.size(), store.Root(), {}}, signers);
}

int RunCheckpointSign(const SignFlags& f, std::ostream& out, std::ostream& err) {
  absl::StatusOr<std::string> note = SignEntries(f);
  if (!note.ok()) return Fail(err, "checkpoint sign", note.status());
  if (absl::Status s = WriteOutput(f.out, *note, out); !s.ok()) {
    return Fail(err, "checkpoint sign", s);
  }
  return kExitOk;
}

struct VerifyFlags {
  std::string vkey;
  std::vector<std::string> witnesses;
  std::string file;
};

void PrintCheckpoint(const crypto::OpenedCheckpoint& opened, std::ostream& out) {
  out << "checkpoint verified\n"
      << "  origin  " << opened.checkpoint.origin << "\n"
      << "  size    " << opened.checkpoint.size << "\n"
      << "  root    " << crypto::Base64Encode(opened.checkpoint.root) << "\n";
  for (const NoteVerifier* v : opened.note.verified_by) out << "  signed  " << v->name() << "\n";
  for (const crypto::NoteSignature& s : opened.note.unknown) {
    out << "  ignored signature of unknown key " << s.name << "+" << crypto::FormatKeyId(s.key_id)
        << "\n";
  }
}

int RunCheckpointVerify(const VerifyFlags& f, std::ostream& out, std::ostream& err) {
  absl::StatusOr<std::unique_ptr<NoteVerifier>> log = ReadVerifier(f.vkey);
  if (!log.ok()) return Fail(err, "checkpoint verify: --vkey", log.status());
  std::vector<std::unique_ptr<NoteVerifier>> witnesses;
  std::vector<const NoteVerifier*> others;
  for (const std::string& w : f.witnesses) {
    absl::StatusOr<std::unique_ptr<NoteVerifier>> v = ReadVerifier(w);
    if (!v.ok()) return Fail(err, "checkpoint verify: --witness", v.status());
    others.push_back(v->get());
    witnesses.push_back(std::move(*v));
  }
  absl::StatusOr<std::string> note = ReadFile(f.file);
  if (!note.ok()) return Fail(err, "checkpoint verify", note.status());
  absl::StatusOr<crypto::OpenedCheckpoint> opened = crypto::OpenCheckpoint(*note, **log, others);
  if (!opened.ok()) {
    err << "pbl: checkpoint verify: " << f.file
        << " does NOT verify: " << ToStd(opened.status().message()) << "\n";
    return kExitVerificationFailed;
  }
  PrintCheckpoint(*opened, out);
  return kExitOk;
}

struct ProofMakeFlags {
  std::string entries;
  std::string checkpoint;
  int64_t index = -1;
  std::string out;
};

absl::StatusOr<std::string> MakeProof(const ProofMakeFlags& f) {
  PBL_ASSIGN_OR_RETURN(std::vector<std::string> entries, ReadEntries(f.entries));
  PBL_ASSIGN_OR_RETURN(std::string note, ReadFile(f.checkpoint));
  PBL_ASSIGN_OR_RETURN(crypto::Note parsed, crypto::ParseNote(note));
  PBL_ASSIGN_OR_RETURN(Checkpoint cp, crypto::ParseCheckpoint(parsed.text));
  if (cp.size > static_cast<int64_t>(entries.size())) {
    return absl::InvalidArgumentError(StrCat("the checkpoint covers ", cp.size, " entries but ",
                                             f.entries, " holds ", entries.size()));
  }
  entries.resize(static_cast<size_t>(cp.size));
  const crypto::MemoryHashStore store = BuildTree(entries);
  if (store.Root() != cp.root) {
    return absl::DataLossError(StrCat("the first ", cp.size, " entries of ", f.entries,
                                      " do not have the checkpoint's root"));
  }
  PBL_ASSIGN_OR_RETURN(crypto::Proof hashes, crypto::ProveInclusion(f.index, cp.size, store));
  return crypto::TlogProof{std::nullopt, f.index, std::move(hashes), note}.Format();
}

int RunProofMake(const ProofMakeFlags& f, std::ostream& out, std::ostream& err) {
  absl::StatusOr<std::string> proof = MakeProof(f);
  if (!proof.ok()) return Fail(err, "proof make", proof.status());
  if (absl::Status s = WriteOutput(f.out, *proof, out); !s.ok()) return Fail(err, "proof make", s);
  return kExitOk;
}

struct ProofVerifyFlags {
  std::string vkey;
  std::string entry;
  std::string entry_file;
  std::string file;
};

int RunProofVerify(const ProofVerifyFlags& f, std::ostream& out, std::ostream& err) {
  absl::StatusOr<std::unique_ptr<NoteVerifier>> log = ReadVerifier(f.vkey);
  if (!log.ok()) return Fail(err, "proof verify: --vkey", log.status());
  std::string entry = f.entry;
  if (!f.entry_file.empty()) {
    absl::StatusOr<std::string> data = ReadFile(f.entry_file);
    if (!data.ok()) return Fail(err, "proof verify: --entry-file", data.status());
    entry = std::move(*data);
  }
  absl::StatusOr<std::string> text = ReadFile(f.file);
  if (!text.ok()) return Fail(err, "proof verify", text.status());
  absl::StatusOr<crypto::TlogProof> proof = crypto::ParseTlogProof(*text);
  absl::StatusOr<Checkpoint> cp =
      proof.ok() ? crypto::VerifyTlogProof(*proof, crypto::AsBytes(entry), **log)
                 : absl::StatusOr<Checkpoint>(proof.status());
  if (!cp.ok()) {
    err << "pbl: proof verify: " << f.file
        << " does NOT prove the entry: " << ToStd(cp.status().message()) << "\n";
    return kExitVerificationFailed;
  }
  out << "entry " << proof->index << " is in the log " << cp->origin << " of size " << cp->size
      << " (root " << crypto::Base64Encode(cp->root) << ")\n";
  return kExitOk;
}

// vkey, cert-key: what a key or certificate file identifies.
void RegisterKeyInfoCommands(CLI::App& app, CommandContext& ctx) {
  std::string& vkey_key = ctx.Keep<std::string>();
  CLI::App* vkey_cmd = app.add_subcommand("vkey", "Print the verifier key of a private key file");
  vkey_cmd->add_option("--key", vkey_key, "Private key file")->required();
  vkey_cmd->callback([&] { ctx.command = [&] { return RunVkey(vkey_key, ctx.out, ctx.err); }; });

  std::string& cert_file = ctx.Keep<std::string>();
  CLI::App* cert_cmd = app.add_subcommand(
      "cert-key",
      "Print a TLS certificate's key id (sha256: and the hex SHA-256 of its public key), as a "
      "node's [[peer]] and [access] entries pin it");
  cert_cmd->add_option("file", cert_file, "PEM certificate file")->required();
  cert_cmd->callback(
      [&] { ctx.command = [&] { return RunCertKey(cert_file, ctx.out, ctx.err); }; });
}

}  // namespace

void RegisterCryptoCommands(CLI::App& app, CommandContext& ctx) {
  std::ostream& out = ctx.out;
  std::ostream& err = ctx.err;
  std::function<int()>& command = ctx.command;
  KeygenFlags& keygen = ctx.Keep<KeygenFlags>();
  CLI::App* keygen_cmd = app.add_subcommand(
      "keygen",
      "Make an Ed25519 signing key (file mode 0600) and print its verifier key; with --master, a "
      "node's master key ([node] master_key: the log keeps no person's data in the clear)");
  keygen_cmd->add_option("--name", keygen.name, "Key name, e.g. pbl.example/node/310000");
  keygen_cmd->add_flag("--master", keygen.master,
                       "Make a master key (PBL+MASTER+KEY+..., 32 random bytes) instead");
  keygen_cmd->add_option("--out", keygen.out, "Key file to create (never overwritten)")->required();
  keygen_cmd->callback([&] { command = [&] { return RunKeygen(keygen, out, err); }; });

  RegisterKeyInfoCommands(app, ctx);

  CLI::App* cp_cmd = app.add_subcommand("checkpoint", "Sign or verify C2SP checkpoints");
  cp_cmd->require_subcommand(1);
  SignFlags& sign = ctx.Keep<SignFlags>();
  CLI::App* sign_cmd = cp_cmd->add_subcommand(
      "sign",
      "Build the Merkle tree of an entries file (one entry per line) and sign a checkpoint "
      "whose origin is the key's name");
  sign_cmd->add_option("--key", sign.key, "Private key file")->required();
  sign_cmd->add_option("--entries", sign.entries, "Entries file, one entry per line")->required();
  sign_cmd->add_option("--out", sign.out, "Write the signed checkpoint here (default: stdout)");
  sign_cmd->callback([&] { command = [&] { return RunCheckpointSign(sign, out, err); }; });

  VerifyFlags& verify = ctx.Keep<VerifyFlags>();
  CLI::App* verify_cmd =
      cp_cmd->add_subcommand("verify", "Verify a signed checkpoint against the log's key");
  verify_cmd->add_option("--vkey", verify.vkey, "The log's verifier key, or a file holding it")
      ->required();
  verify_cmd->add_option(
      "--witness", verify.witnesses,
      "A witness's verifier key (or file); its signature must verify if present");
  verify_cmd->add_option("file", verify.file, "Signed checkpoint file")->required();
  verify_cmd->callback([&] { command = [&] { return RunCheckpointVerify(verify, out, err); }; });

  CLI::App* proof_cmd = app.add_subcommand("proof", "Make or verify C2SP tlog-proof files");
  proof_cmd->require_subcommand(1);
  ProofMakeFlags& make = ctx.Keep<ProofMakeFlags>();
  CLI::App* make_cmd = proof_cmd->add_subcommand(
      "make", "Make the inclusion proof of one entry against a signed checkpoint");
  make_cmd->add_option("--entries", make.entries, "Entries file the checkpoint was signed over")
      ->required();
  make_cmd->add_option("--checkpoint", make.checkpoint, "Signed checkpoint file")->required();
  make_cmd->add_option("--index", make.index, "Zero-based index of the entry")->required();
  make_cmd->add_option("--out", make.out, "Write the proof here (default: stdout)");
  make_cmd->callback([&] { command = [&] { return RunProofMake(make, out, err); }; });

  ProofVerifyFlags& pv = ctx.Keep<ProofVerifyFlags>();
  CLI::App* pv_cmd = proof_cmd->add_subcommand(
      "verify", "Verify offline that an entry is in the log that signed the proof's checkpoint");
  pv_cmd->add_option("--vkey", pv.vkey, "The log's verifier key, or a file holding it")->required();
  CLI::Option* entry_opt = pv_cmd->add_option("--entry", pv.entry, "The entry's bytes");
  CLI::Option* entry_file_opt =
      pv_cmd->add_option("--entry-file", pv.entry_file, "A file holding exactly the entry's bytes");
  entry_opt->excludes(entry_file_opt);
  pv_cmd->add_option("file", pv.file, "tlog-proof file")->required();
  pv_cmd->callback([&, entry_opt, entry_file_opt] {
    if (entry_opt->count() + entry_file_opt->count() == 0) {
      throw CLI::RequiredError("--entry or --entry-file");
    }
    command = [&] { return RunProofVerify(pv, out, err); };
  });
}

}  // namespace pbl::cli
