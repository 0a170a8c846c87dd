// libFuzzer target for the C2SP checkpoint code in crypto/checkpoint.h: ParseCheckpoint,
// Checkpoint::Body, SignCheckpoint and OpenCheckpoint.
//
// The properties checked, besides "never crash":
//  - Body() of a parsed checkpoint parses back to an equal checkpoint (a lossy field would make
//    a witness or client sign or compare something other than what the log meant);
//  - because parsing is strict, Body() is the input itself: two texts for one tree head would be
//    two signable messages for one checkpoint;
//  - a parsed checkpoint signed under its own origin opens again to the same checkpoint;
//  - OpenCheckpoint, given the input as a signed note, returns a checkpoint whose body is the
//    opened note's text and whose origin is the log's name.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "crypto/checkpoint.h"
#include "crypto/ed25519.h"
#include "crypto/note.h"
#include "tests/fuzz/fuzz_check.h"

namespace pbl::crypto {
namespace {

// The log of tests/vectors/tlog/size-7 (signed by Go's sumdb/note), so that its signed
// checkpoint in the seed corpus reaches the success path of OpenCheckpoint.
constexpr std::string_view kLogName = "example.org/benefit-ledger/test";
constexpr Ed25519PublicKey kLogPublicKey = {
    0x16, 0x0a, 0x83, 0x49, 0x21, 0xfb, 0xf2, 0x39, 0x85, 0xf9, 0x0e, 0x73, 0x28, 0x86, 0x8e, 0xd1,
    0x31, 0x32, 0x2c, 0xb7, 0xd4, 0x49, 0x4a, 0xa2, 0xa4, 0x09, 0xbe, 0xcd, 0x29, 0xaa, 0xe8, 0xd2};

const Ed25519NoteVerifier& LogVerifier() {
  static const auto* verifier = new Ed25519NoteVerifier(std::string(kLogName), kLogPublicKey);
  return *verifier;
}

// A key the fuzzer holds the secret of, to sign parsed checkpoints under their own origin.
const SigningKey& FuzzSigningKey() {
  static const SigningKey* key = [] {
    InitCrypto();
    const std::vector<uint8_t> seed(kEd25519SeedBytes, 0x17);
    absl::StatusOr<SigningKey> k = SigningKey::FromSeed(seed);
    PBL_FUZZ_CHECK(k.ok(), "SigningKey::FromSeed of a fixed seed");
    return new SigningKey(*std::move(k));
  }();
  return *key;
}

void CheckParsed(std::string_view text, const Checkpoint& checkpoint) {
  PBL_FUZZ_CHECK(!checkpoint.origin.empty(), "origin is not empty");
  PBL_FUZZ_CHECK(checkpoint.size >= 0, "size is not negative");
  PBL_FUZZ_CHECK(checkpoint.extensions.size() <= kCheckpointExtensionsMax, "extension bound");
  const std::string body = checkpoint.Body();
  absl::StatusOr<Checkpoint> reparsed = ParseCheckpoint(body);
  PBL_FUZZ_CHECK(reparsed.ok(), "Body() of a parsed checkpoint parses");
  PBL_FUZZ_CHECK(*reparsed == checkpoint, "Body() parses back to an equal checkpoint");
  PBL_FUZZ_CHECK(body == text, "a strictly parsed checkpoint has exactly one text");
}

// Signs the checkpoint as the log its origin names and opens it again. Origins that are not
// valid key names cannot be a log's name, and bodies that are not valid note text cannot be
// signed, so only a successful SignCheckpoint is held to the round trip.
void CheckSignAndOpen(const Checkpoint& checkpoint) {
  if (!ValidateKeyName(checkpoint.origin).ok()) return;
  absl::StatusOr<Ed25519NoteSigner> signer =
      Ed25519NoteSigner::Create(checkpoint.origin, &FuzzSigningKey());
  PBL_FUZZ_CHECK(signer.ok(), "a signer for a valid key name");
  const NoteSigner* signers[] = {&*signer};
  absl::StatusOr<std::string> message = SignCheckpoint(checkpoint, signers);
  if (!message.ok()) return;
  const Ed25519NoteVerifier verifier(checkpoint.origin, FuzzSigningKey().public_key());
  absl::StatusOr<OpenedCheckpoint> opened = OpenCheckpoint(*message, verifier);
  PBL_FUZZ_CHECK(opened.ok(), "OpenCheckpoint opens what SignCheckpoint signed");
  PBL_FUZZ_CHECK(opened->checkpoint == checkpoint, "the signed checkpoint opens unchanged");
}

void CheckOpen(std::string_view message) {
  absl::StatusOr<OpenedCheckpoint> opened = OpenCheckpoint(message, LogVerifier());
  if (!opened.ok()) return;
  PBL_FUZZ_CHECK(opened->checkpoint.origin == kLogName, "origin is the log's name");
  PBL_FUZZ_CHECK(opened->checkpoint.Body() == opened->note.text, "checkpoint is the note text");
  const std::vector<const NoteVerifier*>& verified_by = opened->note.verified_by;
  PBL_FUZZ_CHECK(
      std::find(verified_by.begin(), verified_by.end(), &LogVerifier()) != verified_by.end(),
      "the log's own signature verified");
}

}  // namespace
}  // namespace pbl::crypto

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<pbl::crypto::Checkpoint> checkpoint = pbl::crypto::ParseCheckpoint(input);
  if (checkpoint.ok()) {
    pbl::crypto::CheckParsed(input, *checkpoint);
    pbl::crypto::CheckSignAndOpen(*checkpoint);
  } else {
    PBL_FUZZ_CHECK(checkpoint.status().code() == absl::StatusCode::kInvalidArgument,
                   "ParseCheckpoint fails with INVALID_ARGUMENT");
  }
  pbl::crypto::CheckOpen(input);
  return 0;
}
