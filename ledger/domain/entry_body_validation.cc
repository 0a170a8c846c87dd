#include "ledger/domain/entry_body_validation.h"

#include <string>

#include "crypto/base/strings.h"
#include "ledger/domain/calendar.h"

namespace pbl::ledger {

namespace {

// The outcome of one check: nullopt when the field is well formed.
using Check = std::optional<FieldError>;

Check Bad(std::string_view field, std::string_view why) {
  return FieldError{std::string(field), StrCat(field, " ", why)};
}

// A parser's refusal of `field`, with the parser's message.
Check In(std::string_view field, const absl::Status& status) {
  if (status.ok()) return std::nullopt;
  return FieldError{std::string(field), std::string(ToStd(status.message()))};
}

Check CheckAmount(std::string_view field, int64_t fen) {
  if (fen < 0) return Bad(field, "must not be negative");
  if (fen > kAmountFenMax) return Bad(field, StrCat("exceeds ", kAmountFenMax, " fen"));
  return std::nullopt;
}

// Corrections may reverse amounts, so deltas may be negative.
Check CheckDelta(std::string_view field, int64_t fen) {
  if (fen < -kAmountFenMax || fen > kAmountFenMax) {
    return Bad(field, StrCat("is outside +-", kAmountFenMax, " fen"));
  }
  return std::nullopt;
}

Check CheckText(std::string_view field, std::string_view text, size_t max_bytes) {
  if (text.empty()) return Bad(field, "is empty");
  if (text.size() > max_bytes) return Bad(field, StrCat("is longer than ", max_bytes, " bytes"));
  return std::nullopt;
}

Check CheckMonth(std::string_view field, std::string_view text) {
  return In(field, ParseMonth(text, field).status());
}

Check CheckDate(std::string_view field, std::string_view text) {
  return In(field, ParseDate(text, field).status());
}

Check CheckSchemeId(std::string_view field, std::string_view text) {
  return In(field, ParseSchemeId(text).status());
}

Check CheckTransferId(std::string_view field, std::string_view text) {
  return In(field, ValidateTransferId(text));
}

Check RequireKind(bool allowed, const SchemeId& scheme, std::string_view body) {
  if (allowed) return std::nullopt;
  return FieldError{std::string(body),
                    StrCat(body, " is not an entry of scheme kind ", SchemeKindName(scheme.kind))};
}

Check CheckEnrolment(const v1::Enrolment& e) {
  if (Check bad = CheckDate("enrolment.date", e.date())) return bad;
  if (Check bad = In("enrolment.hukou_region",
                     ParseRegion(e.hukou_region(), "enrolment.hukou_region").status())) {
    return bad;
  }
  if (e.retirement_category() == v1::RETIREMENT_CATEGORY_UNSPECIFIED) {
    return Bad("enrolment.retirement_category", "is not set");
  }
  return std::nullopt;
}

Check CheckContribution(const v1::MonthlyContribution& c, const SchemeId& scheme) {
  if (Check bad =
          RequireKind(TakesMonthlyContributions(scheme.kind), scheme, "monthly_contribution")) {
    return bad;
  }
  if (Check bad = CheckMonth("monthly_contribution.period", c.period())) return bad;
  if (Check bad = CheckAmount("monthly_contribution.base_fen", c.base_fen())) return bad;
  if (Check bad = CheckAmount("monthly_contribution.personal_fen", c.personal_fen())) return bad;
  if (Check bad = CheckAmount("monthly_contribution.employer_fen", c.employer_fen())) return bad;
  if (c.base_fen() == 0 && c.personal_fen() == 0 && c.employer_fen() == 0) {
    return Bad("monthly_contribution", "has no base and no amounts");
  }
  return std::nullopt;
}

Check CheckPremium(const v1::AnnualPremium& p, const SchemeId& scheme) {
  if (Check bad = RequireKind(TakesAnnualPremiums(scheme.kind), scheme, "annual_premium")) {
    return bad;
  }
  if (p.year() < kYearMin || p.year() > kYearMax) {
    return Bad("annual_premium.year", StrCat("must be in ", kYearMin, "-", kYearMax));
  }
  if (Check bad = CheckAmount("annual_premium.personal_fen", p.personal_fen())) return bad;
  if (Check bad =
          CheckAmount("annual_premium.collective_subsidy_fen", p.collective_subsidy_fen())) {
    return bad;
  }
  return CheckAmount("annual_premium.government_subsidy_fen", p.government_subsidy_fen());
}

Check CheckCorrection(const v1::Correction& c) {
  if (Check bad = CheckText("correction.reason", c.reason(), kReasonBytesMax)) return bad;
  const std::pair<std::string_view, int64_t> deltas[] = {
      {"correction.personal_delta_fen", c.personal_delta_fen()},
      {"correction.employer_delta_fen", c.employer_delta_fen()},
      {"correction.base_delta_fen", c.base_delta_fen()},
      {"correction.collective_subsidy_delta_fen", c.collective_subsidy_delta_fen()},
      {"correction.government_subsidy_delta_fen", c.government_subsidy_delta_fen()},
  };
  for (const auto& [field, fen] : deltas) {
    if (Check bad = CheckDelta(field, fen)) return bad;
  }
  return std::nullopt;
}

Check CheckMlgPayment(const v1::MlgPayment& p, const SchemeId& scheme) {
  if (Check bad = RequireKind(scheme.kind == SchemeKind::kMlg, scheme, "mlg_payment")) return bad;
  if (Check bad = CheckMonth("mlg_payment.month", p.month())) return bad;
  return CheckAmount("mlg_payment.amount_fen", p.amount_fen());
}

Check CheckBenefitPayment(const v1::BenefitPayment& p) {
  if (Check bad = CheckMonth("benefit_payment.month", p.month())) return bad;
  return CheckAmount("benefit_payment.amount_fen", p.amount_fen());
}

Check CheckRefund(const v1::Refund& r) {
  if (!r.transfer_id().empty()) {
    if (Check bad = CheckTransferId("refund.transfer_id", r.transfer_id())) return bad;
  }
  if (Check bad = CheckText("refund.rule_id", r.rule_id(), 64)) return bad;
  return CheckAmount("refund.amount_fen", r.amount_fen());
}

Check CheckRanges(std::string_view field,
                  const google::protobuf::RepeatedPtrField<v1::MonthRange>& ranges) {
  if (ranges.size() > kMonthRangesMax) {
    return Bad(field, StrCat("has more than ", kMonthRangesMax, " ranges"));
  }
  int32_t previous_last = -1;
  for (const v1::MonthRange& r : ranges) {
    const std::string first_field = StrCat(field, ".first");
    const absl::StatusOr<int32_t> first = ParseMonth(r.first(), first_field);
    if (!first.ok()) return In(first_field, first.status());
    const std::string last_field = StrCat(field, ".last");
    const absl::StatusOr<int32_t> last = ParseMonth(r.last(), last_field);
    if (!last.ok()) return In(last_field, last.status());
    // Sorted, disjoint and not adjacent: one set of months has one encoding.
    if (*last < *first || *first <= previous_last + 1) {
      return Bad(field, "must be sorted, disjoint, non-adjacent first<=last ranges");
    }
    previous_last = *last;
  }
  return std::nullopt;
}

Check CheckFigures(std::string_view field, const v1::TransferFigures& f) {
  const std::pair<std::string_view, const google::protobuf::RepeatedPtrField<v1::MonthRange>*>
      ranges[] = {{".months_credited", &f.months_credited()},
                  {".months_not_converted", &f.months_not_converted()},
                  {".months_overlapping", &f.months_overlapping()}};
  for (const auto& [name, list] : ranges) {
    if (Check bad = CheckRanges(StrCat(field, name), *list)) return bad;
  }
  const std::pair<std::string_view, int64_t> amounts[] = {
      {".individual_account_fen", f.individual_account_fen()},
      {".pooled_fen", f.pooled_fen()},
      {".refund_fen", f.refund_fen()}};
  for (const auto& [name, fen] : amounts) {
    if (Check bad = CheckAmount(StrCat(field, name), fen)) return bad;
  }
  if (f.waiting_months() < 0 || f.waiting_months() > 12) {
    return Bad(StrCat(field, ".waiting_months"), "must be 0-12");
  }
  return std::nullopt;
}

// What every transfer entry but transfer_voided has: an id, a date, and the other side's scheme
// (`scheme_field` names it, e.g. "source_scheme_id").
template <typename T>
Check CheckTransferCommon(std::string_view body, const T& t, std::string_view scheme_field,
                          std::string_view scheme_id) {
  if (Check bad = CheckTransferId(StrCat(body, ".transfer_id"), t.transfer_id())) return bad;
  if (Check bad = CheckDate(StrCat(body, ".date"), t.date())) return bad;
  return CheckSchemeId(StrCat(body, ".", scheme_field), scheme_id);
}

Check CheckTransferRequested(const v1::TransferRequested& t) {
  if (Check bad =
          CheckTransferCommon("transfer_requested", t, "source_scheme_id", t.source_scheme_id())) {
    return bad;
  }
  return CheckSchemeId("transfer_requested.destination_scheme_id", t.destination_scheme_id());
}

template <typename T>
Check CheckTransferWithFigures(std::string_view body, const T& t, std::string_view scheme_field,
                               std::string_view scheme_id) {
  if (Check bad = CheckTransferCommon(body, t, scheme_field, scheme_id)) return bad;
  return CheckFigures(StrCat(body, ".figures"), t.figures());
}

Check CheckTransferVoided(const v1::TransferVoided& t) {
  if (Check bad = CheckTransferId("transfer_voided.transfer_id", t.transfer_id())) return bad;
  return CheckText("transfer_voided.reason", t.reason(), kReasonBytesMax);
}

}  // namespace

absl::Status ValidateTransferId(std::string_view id) {
  bool ok = !id.empty() && id.size() <= kTransferIdBytesMax;
  for (char c : id) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '.' || c == '_' || c == '-');
  }
  if (!ok)
    return absl::InvalidArgumentError("transfer_id must be 1-64 characters of A-Z a-z 0-9 . _ -");
  return absl::OkStatus();
}

std::optional<FieldError> CheckEntryBody(const v1::Entry& e, const SchemeId& scheme) {
  // Every body is listed, with no default: a body added to the oneof and not checked here is a
  // -Wswitch warning, an error in CI.
  switch (e.body_case()) {
    case v1::Entry::BODY_NOT_SET:
      return FieldError{"body", "body is not set"};
    case v1::Entry::kEnrolment:
      return CheckEnrolment(e.enrolment());
    case v1::Entry::kMonthlyContribution:
      return CheckContribution(e.monthly_contribution(), scheme);
    case v1::Entry::kAnnualPremium:
      return CheckPremium(e.annual_premium(), scheme);
    case v1::Entry::kCorrection:
      return CheckCorrection(e.correction());
    case v1::Entry::kMlgPayment:
      return CheckMlgPayment(e.mlg_payment(), scheme);
    case v1::Entry::kBenefitPayment:
      return CheckBenefitPayment(e.benefit_payment());
    case v1::Entry::kRefund:
      return CheckRefund(e.refund());
    case v1::Entry::kTransferRequested:
      return CheckTransferRequested(e.transfer_requested());
    case v1::Entry::kTransferInitiated:
      return CheckTransferWithFigures("transfer_initiated", e.transfer_initiated(),
                                      "destination_scheme_id",
                                      e.transfer_initiated().destination_scheme_id());
    case v1::Entry::kTransferIn:
      return CheckTransferWithFigures("transfer_in", e.transfer_in(), "source_scheme_id",
                                      e.transfer_in().source_scheme_id());
    case v1::Entry::kTransferOut:
      return CheckTransferWithFigures("transfer_out", e.transfer_out(), "destination_scheme_id",
                                      e.transfer_out().destination_scheme_id());
    case v1::Entry::kTransferVoided:
      return CheckTransferVoided(e.transfer_voided());
  }
  return FieldError{"body", "body is not a known entry kind"};
}

absl::Status ValidateEntryBody(const v1::Entry& entry, const SchemeId& scheme) {
  const std::optional<FieldError> bad = CheckEntryBody(entry, scheme);
  if (!bad.has_value()) return absl::OkStatus();
  return absl::InvalidArgumentError(bad->message);
}

}  // namespace pbl::ledger
