// The audit of one log (ledger/verifier/log_audit.h) against an in-memory log that serves real
// signed checkpoints and proofs, honest or lying: one test per kind of log finding.
#include "ledger/verifier/log_audit.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "ledger/log/map_folder.h"
#include "ledger/log/sealed.h"
#include "ledger/verifier/finding.h"
#include "ledger/verifier/state_dir.h"
#include "tests/ledger/verifier/memory_log.h"
#include "tests/testing/entries.h"
#include "tests/testing/map_oracle.h"
#include "tests/testing/status_matchers.h"

namespace pbl::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using verifier::AuditFinding;
using verifier::LogAudit;
using verifier::RememberedLog;

constexpr char kOrigin[] = "pbl.example/node/310000";

std::vector<std::string> Codes(const std::vector<AuditFinding>& findings) {
  std::vector<std::string> codes;
  for (const AuditFinding& f : findings) codes.push_back(f.code);
  return codes;
}

class LogAuditTest : public ::testing::Test {
 protected:
  // Appends `n` valid contribution entries to `log`, from person `first` on.
  static void Fill(MemoryLog& log, int n, int first = 0) {
    for (int i = first; i < first + n; ++i) log.Append(ContributionEntry(i, i % 12));
  }

  static LogAudit Audit(MemoryLog& log, const std::optional<RememberedLog>& remembered = {},
                        bool incremental = false) {
    verifier::LogAuditOptions options;
    options.incremental = incremental;
    absl::StatusOr<LogAudit> audit = verifier::AuditLog(log, log.verifier(), remembered, options);
    EXPECT_OK(audit.status());
    return audit.ok() ? *std::move(audit) : LogAudit();
  }

  // What the auditor remembers after a clean audit of `log` as it is now.
  static RememberedLog Remember(MemoryLog& log) {
    LogAudit audit = Audit(log);
    EXPECT_THAT(audit.findings, IsEmpty());
    RememberedLog r;
    r.path = "remembered.checkpoint";
    r.note = audit.scan.note;
    r.checkpoint = audit.scan.checkpoint;
    r.tree = audit.tree;
    return r;
  }

  crypto::SigningKey key_ = TestSigningKey(1);
  MemoryLog log_{kOrigin, key_};
};

TEST_F(LogAuditTest, AnHonestLogHasNoFinding) {
  Fill(log_, 10);
  const LogAudit audit = Audit(log_);
  EXPECT_THAT(audit.findings, IsEmpty());
  EXPECT_EQ(audit.scan.checkpoint.size, 10);
  EXPECT_EQ(audit.scan.checkpoint.root, log_.Root());
  EXPECT_EQ(audit.scan.entries, 10);
  EXPECT_EQ(audit.tree.Root(), log_.Root());
}

TEST_F(LogAuditTest, AnHonestLogThatGrewIsConsistentWithTheRememberedCheckpoint) {
  Fill(log_, 5);
  const RememberedLog remembered = Remember(log_);
  Fill(log_, 6, 5);
  EXPECT_THAT(Audit(log_, remembered).findings, IsEmpty());
  log_.Forget(5);  // no checkpoint kept for the remembered size: the proof alone decides
  EXPECT_THAT(Audit(log_, remembered).findings, IsEmpty());
  const LogAudit incremental = Audit(log_, remembered, /*incremental=*/true);
  EXPECT_THAT(incremental.findings, IsEmpty());
  EXPECT_EQ(incremental.scan.first_index, 5);
  EXPECT_EQ(incremental.scan.entries, 6);
}

TEST_F(LogAuditTest, EntryInvalidNamesTheEntryThatIsNotAPblEntry) {
  Fill(log_, 4);
  log_.Append("\xff\xff not a pbl.v1.Entry");
  Fill(log_, 2, 4);
  const LogAudit audit = Audit(log_);
  ASSERT_THAT(audit.findings, SizeIs(1));
  EXPECT_EQ(audit.findings[0].code, "entry-invalid");
  EXPECT_THAT(audit.findings[0].entries, ElementsAre(Field(&verifier::AuditEntryRef::index, 4)));
  EXPECT_EQ(audit.scan.entries, 4);  // the scan stopped there
}

// The pbl-map line of the map of `log`'s leaves below `map_size` (tests/testing/map_oracle.h),
// leaving out the leaf at `omit`.
std::string MapLineOf(const MemoryLog& log, int64_t map_size, int64_t omit = -1) {
  return ledger::MapLine({map_size, MapRootOfLeaves(log.entries(), map_size, omit)});
}

// A v2 log: its parameters, then person leaves of a few keys with commitments (the audit reads
// nothing else, so the commitments' contents do not matter to it); its checkpoints carry the
// map of every leaf below them.
void FillSealed(MemoryLog& log, int n) {
  if (!log.extensions) {
    log.extensions = [&log](int64_t size) { return std::vector{MapLineOf(log, size)}; };
  }
  if (log.size() == 0) {
    crypto::VrfPublicKey vrf{};
    vrf.fill(0x11);
    log.Append(ledger::LogParametersLeaf(vrf));
  }
  for (int i = 0; i < n; ++i) {
    ledger::PersonKey k{};
    k.fill(static_cast<uint8_t>(i % 5));
    log.Append(ledger::PersonLeaf(k, crypto::Sha256(std::to_string(log.size()))));
  }
}

TEST_F(LogAuditTest, AV2LogIsAuditedFromItsLeavesAlone) {
  FillSealed(log_, 9);
  const LogAudit audit = Audit(log_);
  EXPECT_THAT(audit.findings, IsEmpty());
  EXPECT_EQ(audit.scan.checkpoint.size, 10);
  EXPECT_EQ(audit.tree.Root(), log_.Root());
  ASSERT_TRUE(audit.scan.map.has_value());
  EXPECT_EQ(audit.scan.map->size, 10);
  EXPECT_EQ(audit.scan.map_keys, 5u);
  const RememberedLog remembered = Remember(log_);
  FillSealed(log_, 4);
  const LogAudit incremental = Audit(log_, remembered, /*incremental=*/true);
  EXPECT_THAT(incremental.findings, IsEmpty());
  EXPECT_EQ(incremental.scan.first_index, 10);
  EXPECT_FALSE(incremental.scan.map.has_value());  // the chains before entry 10 are not read
  // A map behind the log (the mapper folds in batches) is the map of the leaves below its size.
  log_.extensions = [this](int64_t size) { return std::vector{MapLineOf(log_, size - 6)}; };
  const LogAudit behind = Audit(log_);
  EXPECT_THAT(behind.findings, IsEmpty());
  ASSERT_TRUE(behind.scan.map.has_value());
  EXPECT_EQ(behind.scan.map->size, 8);
}

TEST_F(LogAuditTest, MapMismatchWhenTheMapLeavesOutALeafOrCountsOneTooMany) {
  FillSealed(log_, 12);
  log_.extensions = [this](int64_t size) { return std::vector{MapLineOf(log_, size, 7)}; };
  const LogAudit omitted = Audit(log_);
  ASSERT_THAT(Codes(omitted.findings), ElementsAre("map-mismatch"));
  EXPECT_THAT(omitted.findings[0].message, HasSubstr("for map size 13"));
  EXPECT_THAT(omitted.findings[0].evidence, ElementsAre(omitted.scan.note));
  // The map of one leaf more than the size it claims.
  log_.extensions = [this](int64_t size) {
    std::string line = MapLineOf(log_, size);
    const std::string claimed = MapLineOf(log_, size - 1);
    return std::vector{claimed.substr(0, claimed.find(' ', 8)) + line.substr(line.find(' ', 8))};
  };
  EXPECT_THAT(Codes(Audit(log_).findings), ElementsAre("map-mismatch"));
}

TEST_F(LogAuditTest, MapInvalidWithoutOneMapLineOrWithAMapTooFarBehind) {
  FillSealed(log_, 4);
  const std::vector<std::pair<std::string, std::vector<std::string>>> bad = {
      {"no line", {}},
      {"two lines", {MapLineOf(log_, 5), MapLineOf(log_, 5)}},
      {"past the checkpoint", {MapLineOf(log_, 5).replace(8, 1, "6")}},
      {"not base64", {"pbl-map 5 !!"}},
  };
  for (const auto& item : bad) {
    const std::vector<std::string> lines = item.second;  // clang 14 captures no structured binding
    log_.extensions = [lines](int64_t) { return lines; };
    const LogAudit audit = Audit(log_);
    EXPECT_THAT(Codes(audit.findings), ElementsAre("map-invalid")) << item.first;
  }
  MemoryLog big(kOrigin, key_);
  FillSealed(big, static_cast<int>(ledger::kMapBehindMax) + 2);
  big.extensions = [&big](int64_t) { return std::vector{MapLineOf(big, 1)}; };
  const LogAudit behind = Audit(big);
  ASSERT_THAT(Codes(behind.findings), ElementsAre("map-invalid"));
  EXPECT_THAT(behind.findings[0].message, HasSubstr("which a node does not let happen"));
}

TEST_F(LogAuditTest, EntryInvalidNamesAV2LeafThatIsNotOneOrAV1EntryInAV2Log) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"v1 entry", ContributionEntry(1, 1)},
      {"short person leaf", std::string("\x02\x01", 2) + std::string(40, 'k')},
      {"public leaf past entry 0", ledger::PublicLeaf("x")},
      {"unknown kind", std::string("\x02\x09", 2) + std::string(64, 'k')},
  };
  for (const auto& [what, bytes] : bad) {
    MemoryLog log(kOrigin, key_);
    FillSealed(log, 3);
    log.Append(bytes);
    FillSealed(log, 2);
    const LogAudit audit = Audit(log);
    ASSERT_THAT(audit.findings, SizeIs(1)) << what;
    EXPECT_EQ(audit.findings[0].code, "entry-invalid") << what;
    EXPECT_THAT(audit.findings[0].entries, ElementsAre(Field(&verifier::AuditEntryRef::index, 4)))
        << what;
  }
  // Entry 0 must be the parameters.
  MemoryLog log(kOrigin, key_);
  log.Append(ledger::PublicLeaf("not parameters"));
  FillSealed(log, 2);
  const LogAudit audit = Audit(log);
  ASSERT_THAT(audit.findings, SizeIs(1));
  EXPECT_THAT(audit.findings[0].message, HasSubstr("entry 0 of a v2 log is not its parameters"));
  // And a v2 leaf in a v1 log is not a pbl.v1.Entry.
  MemoryLog v1(kOrigin, key_);
  Fill(v1, 2);
  FillSealed(v1, 1);
  EXPECT_THAT(Codes(Audit(v1).findings), ElementsAre("entry-invalid"));
}

TEST_F(LogAuditTest, StreamInvalidWhenAChunkStartsElsewhere) {
  Fill(log_, 8);
  log_.lie.chunk_index_shift = 1;
  const LogAudit audit = Audit(log_);
  EXPECT_THAT(Codes(audit.findings), ElementsAre("stream-invalid"));
  EXPECT_THAT(audit.findings[0].message, HasSubstr("a chunk starts at index 4 where index 3"));
}

TEST_F(LogAuditTest, StreamInvalidWhenTheStreamEndsWithoutACheckpoint) {
  Fill(log_, 5);
  log_.lie.no_checkpoint = true;
  const LogAudit audit = Audit(log_);
  EXPECT_THAT(Codes(audit.findings), ElementsAre("stream-invalid"));
  EXPECT_THAT(audit.findings[0].message, HasSubstr("without a checkpoint"));
}

TEST_F(LogAuditTest, StreamInvalidWhenTheStreamGoesOnAfterTheCheckpoint) {
  Fill(log_, 5);
  log_.lie.chunk_after_checkpoint = true;
  const LogAudit audit = Audit(log_);
  EXPECT_THAT(Codes(audit.findings), ElementsAre("stream-invalid"));
  EXPECT_THAT(audit.findings[0].message, HasSubstr("went on after"));
}

TEST_F(LogAuditTest, CheckpointInvalidWhenAnotherKeySignedIt) {
  Fill(log_, 5);
  const crypto::SigningKey other_key = TestSigningKey(2);
  const crypto::Ed25519NoteSigner other = *crypto::Ed25519NoteSigner::Create(kOrigin, &other_key);
  log_.lie.checkpoint_signer = &other;
  const LogAudit audit = Audit(log_);
  EXPECT_THAT(Codes(audit.findings), ElementsAre("checkpoint-invalid"));
  EXPECT_THAT(audit.findings[0].evidence, SizeIs(1));
}

TEST_F(LogAuditTest, SizeMismatchWhenTheCheckpointCoversMoreEntriesThanStreamed) {
  Fill(log_, 5);
  log_.lie.checkpoint_size_shift = 1;
  const LogAudit audit = Audit(log_);
  EXPECT_THAT(Codes(audit.findings), ElementsAre("size-mismatch"));
  EXPECT_THAT(audit.findings[0].message, HasSubstr("held 5 entries but its checkpoint covers 6"));
}

TEST_F(LogAuditTest, RootMismatchNamesTheEntryThatIsNotTheSignedOne) {
  Fill(log_, 11);
  log_.lie.entries[6] = ContributionEntry(99, 1);  // valid, but not what was signed
  const LogAudit audit = Audit(log_);
  ASSERT_THAT(Codes(audit.findings), ElementsAre("root-mismatch"));
  EXPECT_THAT(audit.findings[0].entries, ElementsAre(Field(&verifier::AuditEntryRef::index, 6)));
  EXPECT_THAT(audit.findings[0].message, HasSubstr("entry 6 is not the one the node signed"));
}

TEST_F(LogAuditTest, EquivocationWhenTheRememberedPrefixHashesToAnotherRoot) {
  Fill(log_, 5);
  const RememberedLog remembered = Remember(log_);
  MemoryLog fork(kOrigin, key_);  // the same key signs a log whose entries 2 on differ
  Fill(fork, 2);
  Fill(fork, 6, 50);  // size 8; the node keeps no checkpoint for size 5
  const LogAudit audit = Audit(fork, remembered);
  ASSERT_THAT(Codes(audit.findings), ElementsAre("equivocation"));
  EXPECT_THAT(audit.findings[0].evidence, ElementsAre(remembered.note, audit.scan.note));
  EXPECT_THAT(audit.findings[0].message, HasSubstr("the first 5 entries"));
}

TEST_F(LogAuditTest, EquivocationWhenTheCheckpointKeptForTheRememberedSizeDiffers) {
  Fill(log_, 5);
  const RememberedLog remembered = Remember(log_);
  MemoryLog fork(kOrigin, key_);
  Fill(fork, 2);
  Fill(fork, 3, 50);
  const std::string forked_note = fork.Publish();  // kept for size 5
  Fill(fork, 3, 60);
  const LogAudit audit = Audit(fork, remembered);
  ASSERT_FALSE(audit.findings.empty());
  EXPECT_EQ(audit.findings[0].code, "equivocation");
  EXPECT_THAT(audit.findings[0].message, HasSubstr("two different checkpoints for size 5"));
  EXPECT_THAT(audit.findings[0].evidence, ElementsAre(remembered.note, forked_note));
}

TEST_F(LogAuditTest, EquivocationWhenTheConsistencyProofDoesNotVerify) {
  Fill(log_, 5);
  const RememberedLog remembered = Remember(log_);
  Fill(log_, 6, 5);
  log_.Forget(5);
  log_.lie.wrong_proof = true;
  const LogAudit incremental = Audit(log_, remembered, /*incremental=*/true);
  EXPECT_THAT(Codes(incremental.findings), ElementsAre("equivocation"));
  EXPECT_THAT(incremental.findings[0].message, HasSubstr("is not consistent"));
  log_.lie.wrong_proof = false;
  log_.lie.short_proof_hash = true;
  const LogAudit short_hash = Audit(log_, remembered, /*incremental=*/true);
  EXPECT_THAT(Codes(short_hash.findings), ElementsAre("equivocation"));
  EXPECT_THAT(short_hash.findings[0].message, HasSubstr("not 32 bytes"));
}

TEST_F(LogAuditTest, RollbackWhenTheLogIsShorterThanTheRememberedCheckpoint) {
  Fill(log_, 8);
  const RememberedLog remembered = Remember(log_);
  MemoryLog shorter(kOrigin, key_);
  Fill(shorter, 5);
  const LogAudit audit = Audit(shorter, remembered);
  EXPECT_THAT(Codes(audit.findings), ElementsAre("rollback"));
  EXPECT_THAT(audit.findings[0].evidence, ElementsAre(remembered.note, audit.scan.note));
}

// Every log finding code has its test above: a new code fails here until it has one.
TEST(LogFindingCodesTest, EachCodeHasATestInThisFile) {
  const std::vector<std::string_view> tested = {
      "entry-invalid", "stream-invalid", "checkpoint-invalid", "size-mismatch", "root-mismatch",
      "equivocation",  "rollback",       "map-invalid",        "map-mismatch"};
  EXPECT_THAT(verifier::kLogFindingCodes, ::testing::UnorderedElementsAreArray(tested));
}

TEST_F(LogAuditTest, AFailedReadIsTheStatusNotAFinding) {
  Fill(log_, 3);
  verifier::AuditTree tree;
  for (int i = 0; i < 5; ++i) tree.Append(crypto::Hash{});  // past the log's end
  EXPECT_THAT(verifier::ScanLog(log_, log_.verifier(), &tree, {}).status(),
              StatusIs(absl::StatusCode::kOutOfRange));
}

}  // namespace
}  // namespace pbl::testing
