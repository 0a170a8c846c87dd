// libFuzzer target for the ledger's check of an entry at append (ledger/entry_validation.h
// ValidateEntry, which Ledger::Append runs on every entry's bytes, and through it
// ledger/entry_body_validation.h): arbitrary bytes as a serialized pbl.v1.Entry.
//
// The properties checked, besides "never crash":
//  - ValidateEntry fails only with INVALID_ARGUMENT, as documented;
//  - an accepted entry has exactly one encoding: it parses, and serializing it gives back the
//    input byte for byte (the stored bytes are what is hashed and signed);
//  - an accepted entry is within the documented limits, checked here independently of the code
//    under test: 1..kEntryBytesMax bytes, a valid person id and scheme id (the returned key
//    fields are the entry's), a positive node time, a body set, every amount within
//    kAmountFenMax (deltas within +-kAmountFenMax), every text within its bound, month ranges
//    at most kMonthRangesMax, sorted and disjoint;
//  - the check is a function of what the bytes mean: when the input parses, ValidateEntry of its
//    canonical encoding gives the same answer as the body, person, scheme and time checks
//    alone, so that only the encoding can make the input's answer differ.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "google/protobuf/stubs/logging.h"
#include "ledger/domain/calendar.h"
#include "ledger/domain/entry_body_validation.h"
#include "ledger/domain/entry_validation.h"
#include "ledger/domain/person_id.h"
#include "ledger/domain/scheme.h"
#include "pbl/v1/entry.pb.h"
#include "tests/fuzz/fuzz_check.h"

namespace pbl::ledger {
namespace {

// Every input with invalid UTF-8 in a string field makes protobuf log an error; the fuzzer
// would spend its time writing them.
[[maybe_unused]] const bool kQuietProtobuf = [] {
  google::protobuf::SetLogHandler(nullptr);
  return true;
}();

bool AmountOk(int64_t fen) { return fen >= 0 && fen <= kAmountFenMax; }
bool DeltaOk(int64_t fen) { return fen >= -kAmountFenMax && fen <= kAmountFenMax; }
bool TextOk(const std::string& text, size_t max_bytes) {
  return !text.empty() && text.size() <= max_bytes;
}

bool RangesOk(const google::protobuf::RepeatedPtrField<v1::MonthRange>& ranges) {
  if (ranges.size() > kMonthRangesMax) return false;
  int32_t previous_last = -1;
  for (const v1::MonthRange& r : ranges) {
    absl::StatusOr<int32_t> first = ParseMonth(r.first());
    absl::StatusOr<int32_t> last = ParseMonth(r.last());
    if (!first.ok() || !last.ok() || *last < *first || *first <= previous_last) return false;
    previous_last = *last;
  }
  return true;
}

bool FiguresOk(const v1::TransferFigures& f) {
  return RangesOk(f.months_credited()) && RangesOk(f.months_not_converted()) &&
         RangesOk(f.months_overlapping()) && AmountOk(f.individual_account_fen()) &&
         AmountOk(f.pooled_fen()) && AmountOk(f.refund_fen()) && f.waiting_months() >= 0 &&
         f.waiting_months() <= 12;
}

// The documented bounds of each body, restated.
bool BodyWithinLimits(const v1::Entry& e) {
  switch (e.body_case()) {
    case v1::Entry::kMonthlyContribution: {
      const v1::MonthlyContribution& c = e.monthly_contribution();
      return AmountOk(c.base_fen()) && AmountOk(c.personal_fen()) && AmountOk(c.employer_fen());
    }
    case v1::Entry::kAnnualPremium: {
      const v1::AnnualPremium& p = e.annual_premium();
      return p.year() >= kYearMin && p.year() <= kYearMax && AmountOk(p.personal_fen()) &&
             AmountOk(p.collective_subsidy_fen()) && AmountOk(p.government_subsidy_fen());
    }
    case v1::Entry::kCorrection: {
      const v1::Correction& c = e.correction();
      return TextOk(c.reason(), kReasonBytesMax) && DeltaOk(c.personal_delta_fen()) &&
             DeltaOk(c.employer_delta_fen()) && DeltaOk(c.base_delta_fen()) &&
             DeltaOk(c.collective_subsidy_delta_fen()) && DeltaOk(c.government_subsidy_delta_fen());
    }
    case v1::Entry::kMlgPayment:
      return AmountOk(e.mlg_payment().amount_fen());
    case v1::Entry::kBenefitPayment:
      return AmountOk(e.benefit_payment().amount_fen());
    case v1::Entry::kRefund:
      return AmountOk(e.refund().amount_fen()) && TextOk(e.refund().rule_id(), 64);
    case v1::Entry::kTransferRequested:
      return TextOk(e.transfer_requested().transfer_id(), kTransferIdBytesMax);
    case v1::Entry::kTransferInitiated:
      return TextOk(e.transfer_initiated().transfer_id(), kTransferIdBytesMax) &&
             FiguresOk(e.transfer_initiated().figures());
    case v1::Entry::kTransferIn:
      return TextOk(e.transfer_in().transfer_id(), kTransferIdBytesMax) &&
             FiguresOk(e.transfer_in().figures());
    case v1::Entry::kTransferOut:
      return TextOk(e.transfer_out().transfer_id(), kTransferIdBytesMax) &&
             FiguresOk(e.transfer_out().figures());
    case v1::Entry::kTransferVoided:
      return TextOk(e.transfer_voided().transfer_id(), kTransferIdBytesMax) &&
             TextOk(e.transfer_voided().reason(), kReasonBytesMax);
    case v1::Entry::kEnrolment:
      return e.enrolment().retirement_category() != v1::RETIREMENT_CATEGORY_UNSPECIFIED;
    case v1::Entry::BODY_NOT_SET:
      return false;
  }
  return false;
}

void CheckAccepted(std::string_view bytes, const EntryKeyFields& fields) {
  PBL_FUZZ_CHECK(!bytes.empty() && bytes.size() <= kEntryBytesMax, "entry size bound");
  v1::Entry entry;
  PBL_FUZZ_CHECK(entry.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())),
                 "an accepted entry parses");
  PBL_FUZZ_CHECK(entry.SerializeAsString() == bytes, "an accepted entry is canonical");
  PBL_FUZZ_CHECK(fields.person_id == entry.person_id() && fields.scheme_id == entry.scheme_id(),
                 "the key fields are the entry's");
  PBL_FUZZ_CHECK(ValidatePersonId(entry.person_id()).ok(), "person id valid");
  PBL_FUZZ_CHECK(ParseSchemeId(entry.scheme_id()).ok(), "scheme id valid");
  PBL_FUZZ_CHECK(entry.node_time_unix_ms() > 0, "node time positive");
  PBL_FUZZ_CHECK(BodyWithinLimits(entry), "the body is within the documented limits");
}

// The answer for the meaning of a parsed entry, whatever its encoding.
void CheckCanonical(std::string_view bytes, const absl::Status& status) {
  v1::Entry entry;
  if (!entry.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return;
  const std::string canonical = entry.SerializeAsString();
  if (canonical.empty() || canonical.size() > kEntryBytesMax) return;
  const absl::Status canonical_status = ValidateEntry(canonical).status();
  absl::StatusOr<SchemeId> scheme = ParseSchemeId(entry.scheme_id());
  const bool meaning_ok = scheme.ok() && ValidatePersonId(entry.person_id()).ok() &&
                          entry.node_time_unix_ms() > 0 && ValidateEntryBody(entry, *scheme).ok();
  // Unknown fields (at any depth) survive a parse and a serialization, and are refused.
  v1::Entry known = entry;
  known.DiscardUnknownFields();
  if (known.SerializeAsString() == canonical) {
    PBL_FUZZ_CHECK(canonical_status.ok() == meaning_ok,
                   "the canonical encoding is accepted exactly when its meaning is valid");
  }
  if (status.ok()) PBL_FUZZ_CHECK(canonical == bytes, "only a canonical encoding is accepted");
}

}  // namespace
}  // namespace pbl::ledger

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<pbl::ledger::EntryKeyFields> fields = pbl::ledger::ValidateEntry(bytes);
  if (fields.ok()) {
    pbl::ledger::CheckAccepted(bytes, *fields);
  } else {
    PBL_FUZZ_CHECK(fields.status().code() == absl::StatusCode::kInvalidArgument,
                   "ValidateEntry fails with INVALID_ARGUMENT");
  }
  pbl::ledger::CheckCanonical(bytes, fields.status());
  return 0;
}
