#include "ledger/domain/entry_validation.h"

#include <string>

#include "absl/status/status.h"
#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"
#include "google/protobuf/arena.h"
#include "ledger/domain/entry_body_validation.h"
#include "ledger/domain/person_id.h"
#include "ledger/domain/scheme.h"
#include "pbl/v1/entry.pb.h"

namespace pbl::ledger {

namespace {

// Protobuf keeps fields it does not know and writes them back, so a canonical re-encoding alone
// would not notice them. The walk goes through the generated accessors, not a reflection walk over
// the descriptors (which cost about a third of an entry's checks);
// tests/ledger/entry_body_validation_test.cc puts an unknown field into every message reachable
// from pbl.v1.Entry, found from the descriptors, so a message field added to the schema and not
// walked here fails that test (a body added to the oneof and not listed in the switch is a -Wswitch
// warning, an error in CI).
template <typename M>
bool Unknown(const M& m) {
  // Looked up once per type: GetReflection() goes through the descriptor pool's call_once.
  static const google::protobuf::Reflection* const reflection = M::GetReflection();
  return !reflection->GetUnknownFields(m).empty();
}

bool Unknown(const v1::TransferFigures& f) {
  if (Unknown<v1::TransferFigures>(f)) return true;
  for (const auto* ranges :
       {&f.months_credited(), &f.months_not_converted(), &f.months_overlapping()}) {
    for (const v1::MonthRange& r : *ranges) {
      if (Unknown(r)) return true;
    }
  }
  return false;
}

template <typename M>
bool UnknownWithFigures(const M& m) {
  return Unknown<M>(m) || (m.has_figures() && Unknown(m.figures()));
}

}  // namespace

bool HasUnknownFields(const v1::Entry& entry) {
  if (Unknown(entry)) return true;
  switch (entry.body_case()) {
    case v1::Entry::kEnrolment:
      return Unknown(entry.enrolment());
    case v1::Entry::kMonthlyContribution:
      return Unknown(entry.monthly_contribution());
    case v1::Entry::kAnnualPremium:
      return Unknown(entry.annual_premium());
    case v1::Entry::kCorrection:
      return Unknown(entry.correction());
    case v1::Entry::kMlgPayment:
      return Unknown(entry.mlg_payment());
    case v1::Entry::kBenefitPayment:
      return Unknown(entry.benefit_payment());
    case v1::Entry::kRefund:
      return Unknown(entry.refund());
    case v1::Entry::kTransferRequested:
      return Unknown(entry.transfer_requested());
    case v1::Entry::kTransferInitiated:
      return UnknownWithFigures(entry.transfer_initiated());
    case v1::Entry::kTransferIn:
      return UnknownWithFigures(entry.transfer_in());
    case v1::Entry::kTransferOut:
      return UnknownWithFigures(entry.transfer_out());
    case v1::Entry::kTransferVoided:
      return Unknown(entry.transfer_voided());
    case v1::Entry::BODY_NOT_SET:
      return false;
  }
  return false;
}

namespace {

// Room for a typical entry's parsed strings on the stack: parsing then allocates nothing.
constexpr size_t kParseArenaBytes = 2048;

}  // namespace

absl::Status ValidateSchemeId(std::string_view scheme_id) {
  return ParseSchemeId(scheme_id).status();
}

absl::StatusOr<EntryKeyFields> ValidateEntry(std::string_view bytes) {
  if (bytes.empty()) return absl::InvalidArgumentError("entry is empty");
  if (bytes.size() > kEntryBytesMax) {
    return absl::InvalidArgumentError(
        StrCat("entry is ", bytes.size(), " bytes; the limit is ", kEntryBytesMax));
  }
  alignas(16) char arena_block[kParseArenaBytes];
  google::protobuf::ArenaOptions arena_options;
  arena_options.initial_block = arena_block;
  arena_options.initial_block_size = sizeof(arena_block);
  google::protobuf::Arena arena(arena_options);
  v1::Entry& entry = *google::protobuf::Arena::CreateMessage<v1::Entry>(&arena);
  if (!entry.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::InvalidArgumentError("entry is not a valid pbl.v1.Entry protobuf");
  }
  // One entry has one encoding: unknown fields, repeated or reordered fields and any other
  // non-canonical encoding are refused, so that the stored bytes mean exactly what they parse to.
  if (HasUnknownFields(entry)) {
    return absl::InvalidArgumentError("entry has fields unknown to pbl.v1.Entry (not canonical)");
  }
  thread_local std::string canonical;  // keeps its capacity: no allocation per entry
  canonical.resize(entry.ByteSizeLong());
  entry.SerializeWithCachedSizesToArray(reinterpret_cast<uint8_t*>(canonical.data()));
  if (canonical != bytes) {
    return absl::InvalidArgumentError(
        "entry is not in canonical protobuf encoding (unknown, repeated or reordered fields)");
  }
  PBL_ASSIGN_OR_RETURN(const SchemeId scheme, ParseSchemeId(entry.scheme_id()));
  PBL_RETURN_IF_ERROR(ValidatePersonId(entry.person_id()));
  if (entry.node_time_unix_ms() <= 0) {
    return absl::InvalidArgumentError("node_time_unix_ms must be positive");
  }
  PBL_RETURN_IF_ERROR(ValidateEntryBody(entry, scheme));
  return EntryKeyFields{entry.person_id(), entry.scheme_id()};
}

}  // namespace pbl::ledger
