// The transfer protocol's transition table (rpc/transfer_state.h): every (state, event) pair,
// every value of the proto enum included, is either the transition this test lists or refused;
// and the protocol's paths walked end to end through the table.
#include "rpc/transfer_state.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <tuple>
#include <utility>
#include <vector>

#include "tests/testing/status_matchers.h"

namespace pbl::rpc {
namespace {

using ::pbl::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using E = TransferEvent;
using N = TransferEntry;

constexpr v1::TransferState kNone = v1::TRANSFER_STATE_UNSPECIFIED;
constexpr v1::TransferState kRequested = v1::TRANSFER_STATE_REQUESTED;
constexpr v1::TransferState kInitiated = v1::TRANSFER_STATE_INITIATED;
constexpr v1::TransferState kCredited = v1::TRANSFER_STATE_CREDITED;
constexpr v1::TransferState kCompleted = v1::TRANSFER_STATE_COMPLETED;
constexpr v1::TransferState kVoided = v1::TRANSFER_STATE_VOIDED;

using Key = std::pair<v1::TransferState, TransferEvent>;
using Expected = std::pair<v1::TransferState, TransferEntry>;

// The protocol of specs/node.md, written out again by hand.
const std::map<Key, Expected>& ExpectedTable() {
  static const auto* table = new std::map<Key, Expected>{
      // Destination.
      {{kNone, E::kStart}, {kRequested, N::kRequested}},
      {{kRequested, E::kStart}, {kRequested, N::kNone}},
      {{kCredited, E::kStart}, {kCredited, N::kNone}},
      {{kCompleted, E::kStart}, {kCompleted, N::kNone}},
      {{kVoided, E::kStart}, {kVoided, N::kNone}},
      {{kRequested, E::kSourceRefused}, {kVoided, N::kVoided}},
      {{kRequested, E::kPackageRefused}, {kVoided, N::kVoided}},
      {{kRequested, E::kDeadlinePassed}, {kVoided, N::kVoided}},
      {{kRequested, E::kPackageCredited}, {kCredited, N::kIn}},
      {{kNone, E::kResolveAsked}, {kVoided, N::kNone}},
      {{kRequested, E::kResolveAsked}, {kVoided, N::kVoided}},
      {{kCredited, E::kResolveAsked}, {kCredited, N::kNone}},
      {{kCompleted, E::kResolveAsked}, {kCompleted, N::kNone}},
      {{kVoided, E::kResolveAsked}, {kVoided, N::kNone}},
      {{kCredited, E::kReceiptTaken}, {kCompleted, N::kNone}},
      {{kCompleted, E::kReceiptTaken}, {kCompleted, N::kNone}},
      {{kVoided, E::kAbortDelivered}, {kVoided, N::kNone}},
      {{kRequested, E::kCancelAtDestination}, {kVoided, N::kVoided}},
      {{kVoided, E::kCancelAtDestination}, {kVoided, N::kNone}},
      // Source.
      {{kNone, E::kPrepareReceived}, {kInitiated, N::kInitiated}},
      {{kInitiated, E::kPrepareReceived}, {kInitiated, N::kNone}},
      {{kCompleted, E::kPrepareReceived}, {kCompleted, N::kNone}},
      {{kVoided, E::kPrepareReceived}, {kVoided, N::kNone}},
      {{kNone, E::kPrepareRefused}, {kVoided, N::kNone}},
      {{kNone, E::kAbortReceived}, {kVoided, N::kNone}},
      {{kInitiated, E::kAbortReceived}, {kVoided, N::kVoided}},
      {{kVoided, E::kAbortReceived}, {kVoided, N::kNone}},
      {{kInitiated, E::kReceiptChecked}, {kCompleted, N::kOut}},
      {{kCompleted, E::kReceiptChecked}, {kCompleted, N::kNone}},
      {{kInitiated, E::kDestinationVoided}, {kVoided, N::kVoided}},
      {{kInitiated, E::kCancelAtSource}, {kVoided, N::kVoided}},
      {{kVoided, E::kCancelAtSource}, {kVoided, N::kNone}},
      // Recovery.
      {{kRequested, E::kStepLogged}, {kRequested, N::kNone}},
      {{kInitiated, E::kStepLogged}, {kInitiated, N::kNone}},
      {{kCredited, E::kStepLogged}, {kCredited, N::kNone}},
      {{kCompleted, E::kStepLogged}, {kCompleted, N::kNone}},
      {{kVoided, E::kStepLogged}, {kVoided, N::kNone}},
      {{kRequested, E::kStepLost}, {kRequested, N::kRequested}},
      {{kInitiated, E::kStepLost}, {kVoided, N::kNone}},
      {{kCredited, E::kStepLost}, {kRequested, N::kNone}},
      {{kCompleted, E::kStepLost}, {kCompleted, N::kOut}},
      {{kVoided, E::kStepLost}, {kVoided, N::kVoided}},
  };
  return *table;
}

// Every value of the proto enum, and two that are not (as a corrupt record could hold).
std::vector<v1::TransferState> AllStates() {
  std::vector<v1::TransferState> states;
  for (int s = v1::TransferState_MIN - 1; s <= v1::TransferState_MAX + 1; ++s) {
    states.push_back(static_cast<v1::TransferState>(s));
  }
  return states;
}

TEST(TransferStateTest, EveryPairIsTheListedTransitionOrRefused) {
  int defined = 0;
  int refused = 0;
  for (const v1::TransferState state : AllStates()) {
    for (const TransferEvent event : kTransferEvents) {
      SCOPED_TRACE(std::to_string(static_cast<int>(state)) + " " +
                   std::string(TransferEventName(event)));
      const absl::StatusOr<TransferTransition> got = NextTransferState(state, event);
      const auto want = ExpectedTable().find({state, event});
      if (want == ExpectedTable().end()) {
        EXPECT_THAT(got, StatusIs(absl::StatusCode::kFailedPrecondition,
                                  HasSubstr(std::string(TransferEventName(event)))));
        EXPECT_FALSE(TransferEventMoves(state, event));
        ++refused;
        continue;
      }
      ASSERT_TRUE(got.ok()) << got.status();
      EXPECT_EQ(got->next, want->second.first);
      EXPECT_EQ(got->entry, want->second.second);
      EXPECT_EQ(TransferEventMoves(state, event), !got->repeat(state));
      ++defined;
    }
  }
  EXPECT_EQ(defined, static_cast<int>(ExpectedTable().size()));
  EXPECT_EQ(refused, static_cast<int>(AllStates().size() * kTransferEvents.size()) - defined);
}

TEST(TransferStateTest, ARefusalNamesTheStateAndTheEvent) {
  EXPECT_THAT(NextTransferState(kVoided, E::kReceiptChecked),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("receipt_checked"), HasSubstr("TRANSFER_STATE_VOIDED"))));
  EXPECT_THAT(NextTransferState(kNone, E::kReceiptTaken),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("receipt_taken"), HasSubstr("no record"))));
  EXPECT_THAT(NextTransferState(static_cast<v1::TransferState>(99), E::kStart),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("TransferState(99)")));
}

TEST(TransferStateTest, EveryEventButRecoveryBelongsToOneRoleAndStaysInItsStates) {
  for (const auto& [key, want] : ExpectedTable()) {
    const v1::TransferRole role = TransferEventRole(key.second);
    SCOPED_TRACE(std::string(TransferEventName(key.second)));
    if (key.second == E::kStepLogged || key.second == E::kStepLost) {
      EXPECT_EQ(role, v1::TRANSFER_ROLE_UNSPECIFIED);
      continue;
    }
    ASSERT_NE(role, v1::TRANSFER_ROLE_UNSPECIFIED);
    if (key.first != kNone) {
      EXPECT_TRUE(StateOfRole(key.first, role));
    }
    EXPECT_TRUE(StateOfRole(want.first, role));
  }
  EXPECT_FALSE(StateOfRole(kCredited, v1::TRANSFER_ROLE_SOURCE));
  EXPECT_FALSE(StateOfRole(kInitiated, v1::TRANSFER_ROLE_DESTINATION));
  EXPECT_FALSE(StateOfRole(kNone, v1::TRANSFER_ROLE_SOURCE));
}

TEST(TransferStateTest, LegalChangesAreExactlyTheTableAndResaves) {
  for (const v1::TransferState from : AllStates()) {
    for (const v1::TransferState to : AllStates()) {
      bool listed = false;
      for (const auto& [key, want] : ExpectedTable()) {
        listed = listed || (key.first == from && want.first == to);
      }
      const bool resave = from == to && v1::TransferState_IsValid(from) && from != kNone;
      EXPECT_EQ(LegalTransferChange(from, to), listed || resave)
          << static_cast<int>(from) << " -> " << static_cast<int>(to);
    }
  }
  EXPECT_FALSE(LegalTransferChange(kCompleted, kVoided));
  EXPECT_FALSE(LegalTransferChange(kVoided, kCredited));
}

// Walks `events` from no record, returning the states passed and the entries appended.
std::pair<std::vector<v1::TransferState>, std::vector<TransferEntry>> Walk(
    std::vector<TransferEvent> events) {
  v1::TransferState state = kNone;
  std::vector<v1::TransferState> states;
  std::vector<TransferEntry> entries;
  for (const TransferEvent event : events) {
    const absl::StatusOr<TransferTransition> t = NextTransferState(state, event);
    EXPECT_TRUE(t.ok()) << t.status();
    if (!t.ok()) break;
    EXPECT_TRUE(LegalTransferChange(state, t->next) || state == kNone);
    state = t->next;
    states.push_back(state);
    if (t->entry != N::kNone) entries.push_back(t->entry);
  }
  return {states, entries};
}

TEST(TransferStateTest, ACompletedTransferWalksBothSides) {
  const auto destination =
      Walk({E::kStart, E::kPackageCredited, E::kStart, E::kReceiptTaken, E::kReceiptTaken});
  EXPECT_EQ(destination.first,
            (std::vector{kRequested, kCredited, kCredited, kCompleted, kCompleted}));
  EXPECT_EQ(destination.second, (std::vector{N::kRequested, N::kIn}));
  const auto source = Walk({E::kPrepareReceived, E::kPrepareReceived, E::kReceiptChecked,
                            E::kReceiptChecked, E::kPrepareReceived});
  EXPECT_EQ(source.first,
            (std::vector{kInitiated, kInitiated, kCompleted, kCompleted, kCompleted}));
  EXPECT_EQ(source.second, (std::vector{N::kInitiated, N::kOut}));
}

TEST(TransferStateTest, ABadPackageVoidsBothSidesAndNothingCreditsAfter) {
  const auto destination = Walk({E::kStart, E::kPackageRefused, E::kAbortDelivered});
  EXPECT_EQ(destination.first, (std::vector{kRequested, kVoided, kVoided}));
  EXPECT_EQ(destination.second, (std::vector{N::kRequested, N::kVoided}));
  EXPECT_FALSE(TransferEventMoves(kVoided, E::kPackageCredited));
  EXPECT_FALSE(NextTransferState(kVoided, E::kPackageCredited).ok());
  const auto source = Walk({E::kPrepareReceived, E::kAbortReceived, E::kAbortReceived});
  EXPECT_EQ(source.second, (std::vector{N::kInitiated, N::kVoided}));
  EXPECT_THAT(NextTransferState(kVoided, E::kReceiptChecked),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(TransferStateTest, PastTheDeadlineResolveEndsBothSidesTheSameWay) {
  // The destination had credited: it answers with the receipt, and the source completes.
  EXPECT_TRUE(NextTransferState(kCredited, E::kResolveAsked)->repeat(kCredited));
  EXPECT_EQ(Walk({E::kPrepareReceived, E::kReceiptChecked}).first.back(), kCompleted);
  // It had not: it voids, and so does the source.
  EXPECT_EQ(Walk({E::kStart, E::kResolveAsked}).second, (std::vector{N::kRequested, N::kVoided}));
  EXPECT_EQ(Walk({E::kPrepareReceived, E::kDestinationVoided}).second,
            (std::vector{N::kInitiated, N::kVoided}));
  // It never heard of it: a tombstone without an entry, so a late start cannot credit it.
  EXPECT_EQ(Walk({E::kResolveAsked}).first, (std::vector{kVoided}));
  EXPECT_EQ(Walk({E::kResolveAsked}).second, (std::vector<TransferEntry>{}));
  // A completed source never accepts a void.
  EXPECT_FALSE(NextTransferState(kCompleted, E::kAbortReceived).ok());
  EXPECT_FALSE(NextTransferState(kCompleted, E::kDestinationVoided).ok());
}

TEST(TransferStateTest, AnAdministratorCancelsOnlyWhatHasNotMovedAnything) {
  // The destination's, before it credited: voided, and the source is told.
  EXPECT_EQ(Walk({E::kStart, E::kCancelAtDestination, E::kCancelAtDestination}).second,
            (std::vector{N::kRequested, N::kVoided}));
  EXPECT_THAT(NextTransferState(kCredited, E::kCancelAtDestination),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("cancel_at_destination")));
  EXPECT_FALSE(NextTransferState(kCompleted, E::kCancelAtDestination).ok());
  // The source's (the handler also requires that the package never left).
  EXPECT_EQ(Walk({E::kPrepareReceived, E::kCancelAtSource}).second,
            (std::vector{N::kInitiated, N::kVoided}));
  EXPECT_FALSE(NextTransferState(kCompleted, E::kCancelAtSource).ok());
  EXPECT_FALSE(NextTransferState(kNone, E::kCancelAtSource).ok());
}

TEST(TransferStateTest, RecoveryRedoesOrUndoesALostStep) {
  EXPECT_TRUE(StepInLog(kRequested, N::kRequested));
  EXPECT_FALSE(StepInLog(kRequested, N::kNone));
  EXPECT_TRUE(StepInLog(kCredited, N::kIn));
  EXPECT_FALSE(StepInLog(kCredited, N::kRequested));
  EXPECT_TRUE(StepInLog(kInitiated, N::kInitiated));
  EXPECT_FALSE(StepInLog(kInitiated, N::kNone));
  EXPECT_TRUE(StepInLog(kCompleted, N::kOut));
  EXPECT_FALSE(StepInLog(kCompleted, N::kInitiated));
  EXPECT_TRUE(StepInLog(kVoided, N::kVoided));
  EXPECT_TRUE(StepInLog(kVoided, N::kNone));
  EXPECT_FALSE(StepInLog(kVoided, N::kInitiated));
  EXPECT_FALSE(StepInLog(kNone, N::kNone));
  // A credit whose transfer_in was lost is credited again; an initiation never logged voids.
  EXPECT_EQ(Walk({E::kStart, E::kPackageCredited, E::kStepLost, E::kPackageCredited}).second,
            (std::vector{N::kRequested, N::kIn, N::kIn}));
  EXPECT_EQ(Walk({E::kPrepareReceived, E::kStepLost}).first, (std::vector{kInitiated, kVoided}));
}

TEST(TransferStateTest, EntryKindsAndTerminalStates) {
  v1::Entry e;
  EXPECT_EQ(TransferEntryOf(e), N::kNone);
  e.mutable_transfer_in();
  EXPECT_EQ(TransferEntryOf(e), N::kIn);
  e.mutable_transfer_voided();
  EXPECT_EQ(TransferEntryOf(e), N::kVoided);
  e.mutable_transfer_requested();
  EXPECT_EQ(TransferEntryOf(e), N::kRequested);
  e.mutable_transfer_initiated();
  EXPECT_EQ(TransferEntryOf(e), N::kInitiated);
  e.mutable_transfer_out();
  EXPECT_EQ(TransferEntryOf(e), N::kOut);
  EXPECT_TRUE(IsTerminal(kCompleted));
  EXPECT_TRUE(IsTerminal(kVoided));
  EXPECT_FALSE(IsTerminal(kCredited));
  EXPECT_FALSE(IsTerminal(kNone));
}

}  // namespace
}  // namespace pbl::rpc
