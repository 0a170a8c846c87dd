#include "ledger/domain/entry_body_validation.h"

#include <string>

#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"
#include "ledger/domain/calendar.h"

namespace pbl::ledger {

namespace {

absl::Status Bad(std::string_view field, std::string_view why) {
  return absl::InvalidArgumentError(StrCat(field, " ", why));
}

absl::Status CheckAmount(std::string_view field, int64_t fen) {
  if (fen < 0) return Bad(field, "must not be negative");
  if (fen > kAmountFenMax) return Bad(field, StrCat("exceeds ", kAmountFenMax, " fen"));
  return absl::OkStatus();
}

// Corrections may reverse amounts, so deltas may be negative.
absl::Status CheckDelta(std::string_view field, int64_t fen) {
  if (fen < -kAmountFenMax || fen > kAmountFenMax) {
    return Bad(field, StrCat("is outside +-", kAmountFenMax, " fen"));
  }
  return absl::OkStatus();
}

absl::Status CheckText(std::string_view field, std::string_view text, size_t max_bytes) {
  if (text.empty()) return Bad(field, "is empty");
  if (text.size() > max_bytes) return Bad(field, StrCat("is longer than ", max_bytes, " bytes"));
  return absl::OkStatus();
}

absl::Status RequireKind(bool allowed, const SchemeId& scheme, std::string_view body) {
  if (allowed) return absl::OkStatus();
  return absl::InvalidArgumentError(
      StrCat(body, " is not an entry of scheme kind ", SchemeKindName(scheme.kind)));
}

absl::Status CheckContribution(const v1::MonthlyContribution& c, const SchemeId& scheme) {
  PBL_RETURN_IF_ERROR(
      RequireKind(TakesMonthlyContributions(scheme.kind), scheme, "monthly_contribution"));
  PBL_RETURN_IF_ERROR(ParseMonth(c.period(), "monthly_contribution.period").status());
  PBL_RETURN_IF_ERROR(CheckAmount("monthly_contribution.base_fen", c.base_fen()));
  PBL_RETURN_IF_ERROR(CheckAmount("monthly_contribution.personal_fen", c.personal_fen()));
  PBL_RETURN_IF_ERROR(CheckAmount("monthly_contribution.employer_fen", c.employer_fen()));
  if (c.base_fen() == 0 && c.personal_fen() == 0 && c.employer_fen() == 0) {
    return Bad("monthly_contribution", "has no base and no amounts");
  }
  return absl::OkStatus();
}

absl::Status CheckPremium(const v1::AnnualPremium& p, const SchemeId& scheme) {
  PBL_RETURN_IF_ERROR(RequireKind(TakesAnnualPremiums(scheme.kind), scheme, "annual_premium"));
  if (p.year() < kYearMin || p.year() > kYearMax) {
    return Bad("annual_premium.year", StrCat("must be in ", kYearMin, "-", kYearMax));
  }
  PBL_RETURN_IF_ERROR(CheckAmount("annual_premium.personal_fen", p.personal_fen()));
  PBL_RETURN_IF_ERROR(
      CheckAmount("annual_premium.collective_subsidy_fen", p.collective_subsidy_fen()));
  return CheckAmount("annual_premium.government_subsidy_fen", p.government_subsidy_fen());
}

absl::Status CheckCorrection(const v1::Correction& c) {
  PBL_RETURN_IF_ERROR(CheckText("correction.reason", c.reason(), kReasonBytesMax));
  PBL_RETURN_IF_ERROR(CheckDelta("correction.personal_delta_fen", c.personal_delta_fen()));
  PBL_RETURN_IF_ERROR(CheckDelta("correction.employer_delta_fen", c.employer_delta_fen()));
  PBL_RETURN_IF_ERROR(CheckDelta("correction.base_delta_fen", c.base_delta_fen()));
  PBL_RETURN_IF_ERROR(
      CheckDelta("correction.collective_subsidy_delta_fen", c.collective_subsidy_delta_fen()));
  return CheckDelta("correction.government_subsidy_delta_fen", c.government_subsidy_delta_fen());
}

absl::Status CheckRanges(std::string_view field,
                         const google::protobuf::RepeatedPtrField<v1::MonthRange>& ranges) {
  if (ranges.size() > kMonthRangesMax) {
    return Bad(field, StrCat("has more than ", kMonthRangesMax, " ranges"));
  }
  int32_t previous_last = -1;
  for (const v1::MonthRange& r : ranges) {
    PBL_ASSIGN_OR_RETURN(const int32_t first, ParseMonth(r.first(), StrCat(field, ".first")));
    PBL_ASSIGN_OR_RETURN(const int32_t last, ParseMonth(r.last(), StrCat(field, ".last")));
    // Sorted, disjoint and not adjacent: one set of months has one encoding.
    if (last < first || first <= previous_last + 1) {
      return Bad(field, "must be sorted, disjoint, non-adjacent first<=last ranges");
    }
    previous_last = last;
  }
  return absl::OkStatus();
}

absl::Status CheckFigures(std::string_view field, const v1::TransferFigures& f) {
  PBL_RETURN_IF_ERROR(CheckRanges(StrCat(field, ".months_credited"), f.months_credited()));
  PBL_RETURN_IF_ERROR(
      CheckRanges(StrCat(field, ".months_not_converted"), f.months_not_converted()));
  PBL_RETURN_IF_ERROR(CheckRanges(StrCat(field, ".months_overlapping"), f.months_overlapping()));
  PBL_RETURN_IF_ERROR(
      CheckAmount(StrCat(field, ".individual_account_fen"), f.individual_account_fen()));
  PBL_RETURN_IF_ERROR(CheckAmount(StrCat(field, ".pooled_fen"), f.pooled_fen()));
  PBL_RETURN_IF_ERROR(CheckAmount(StrCat(field, ".refund_fen"), f.refund_fen()));
  if (f.waiting_months() < 0 || f.waiting_months() > 12) {
    return Bad(StrCat(field, ".waiting_months"), "must be 0-12");
  }
  return absl::OkStatus();
}

absl::Status CheckTransferCommon(std::string_view body, std::string_view transfer_id,
                                 std::string_view date) {
  PBL_RETURN_IF_ERROR(ValidateTransferId(transfer_id));
  return ParseDate(date, StrCat(body, ".date")).status();
}

absl::Status CheckTransfer(const v1::Entry& e) {
  switch (e.body_case()) {
    case v1::Entry::kTransferRequested: {
      const v1::TransferRequested& t = e.transfer_requested();
      PBL_RETURN_IF_ERROR(CheckTransferCommon("transfer_requested", t.transfer_id(), t.date()));
      PBL_RETURN_IF_ERROR(ParseSchemeId(t.source_scheme_id()).status());
      return ParseSchemeId(t.destination_scheme_id()).status();
    }
    case v1::Entry::kTransferInitiated: {
      const v1::TransferInitiated& t = e.transfer_initiated();
      PBL_RETURN_IF_ERROR(CheckTransferCommon("transfer_initiated", t.transfer_id(), t.date()));
      PBL_RETURN_IF_ERROR(ParseSchemeId(t.destination_scheme_id()).status());
      return CheckFigures("transfer_initiated.figures", t.figures());
    }
    case v1::Entry::kTransferIn: {
      const v1::TransferIn& t = e.transfer_in();
      PBL_RETURN_IF_ERROR(CheckTransferCommon("transfer_in", t.transfer_id(), t.date()));
      PBL_RETURN_IF_ERROR(ParseSchemeId(t.source_scheme_id()).status());
      return CheckFigures("transfer_in.figures", t.figures());
    }
    case v1::Entry::kTransferOut: {
      const v1::TransferOut& t = e.transfer_out();
      PBL_RETURN_IF_ERROR(CheckTransferCommon("transfer_out", t.transfer_id(), t.date()));
      PBL_RETURN_IF_ERROR(ParseSchemeId(t.destination_scheme_id()).status());
      return CheckFigures("transfer_out.figures", t.figures());
    }
    case v1::Entry::kTransferVoided:
      PBL_RETURN_IF_ERROR(ValidateTransferId(e.transfer_voided().transfer_id()));
      return CheckText("transfer_voided.reason", e.transfer_voided().reason(), kReasonBytesMax);
    default:
      return absl::InternalError("not a transfer entry");
  }
}

}  // namespace

absl::Status ValidateTransferId(std::string_view id) {
  bool ok = !id.empty() && id.size() <= kTransferIdBytesMax;
  for (char c : id) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '.' || c == '_' || c == '-');
  }
  if (!ok) return Bad("transfer_id", "must be 1-64 characters of A-Z a-z 0-9 . _ -");
  return absl::OkStatus();
}

absl::Status ValidateEntryBody(const v1::Entry& e, const SchemeId& scheme) {
  switch (e.body_case()) {
    case v1::Entry::BODY_NOT_SET:
      return absl::InvalidArgumentError("body is not set");
    case v1::Entry::kEnrolment: {
      PBL_RETURN_IF_ERROR(ParseDate(e.enrolment().date(), "enrolment.date").status());
      PBL_RETURN_IF_ERROR(
          ParseRegion(e.enrolment().hukou_region(), "enrolment.hukou_region").status());
      if (e.enrolment().retirement_category() == v1::RETIREMENT_CATEGORY_UNSPECIFIED) {
        return Bad("enrolment.retirement_category", "is not set");
      }
      return absl::OkStatus();
    }
    case v1::Entry::kMonthlyContribution:
      return CheckContribution(e.monthly_contribution(), scheme);
    case v1::Entry::kAnnualPremium:
      return CheckPremium(e.annual_premium(), scheme);
    case v1::Entry::kCorrection:
      return CheckCorrection(e.correction());
    case v1::Entry::kMlgPayment:
      PBL_RETURN_IF_ERROR(RequireKind(scheme.kind == SchemeKind::kMlg, scheme, "mlg_payment"));
      PBL_RETURN_IF_ERROR(ParseMonth(e.mlg_payment().month(), "mlg_payment.month").status());
      return CheckAmount("mlg_payment.amount_fen", e.mlg_payment().amount_fen());
    case v1::Entry::kBenefitPayment:
      PBL_RETURN_IF_ERROR(
          ParseMonth(e.benefit_payment().month(), "benefit_payment.month").status());
      return CheckAmount("benefit_payment.amount_fen", e.benefit_payment().amount_fen());
    case v1::Entry::kRefund:
      if (!e.refund().transfer_id().empty()) {
        PBL_RETURN_IF_ERROR(ValidateTransferId(e.refund().transfer_id()));
      }
      PBL_RETURN_IF_ERROR(CheckText("refund.rule_id", e.refund().rule_id(), 64));
      return CheckAmount("refund.amount_fen", e.refund().amount_fen());
    default:
      return CheckTransfer(e);
  }
}

}  // namespace pbl::ledger
