// Builds a person's History (ledger/entitlement.h) for rule tests: enrolment, runs of monthly
// contributions, annual premiums, benefit payments and transfer entries, in log order. Person
// ids get a valid GB 11643 check character, computed here (not by the code under test), so the
// tests stay independent of it. Deterministic; not thread-safe (a builder belongs to one test).
#ifndef PBL_TESTS_TESTING_HISTORY_BUILDER_H_
#define PBL_TESTS_TESTING_HISTORY_BUILDER_H_

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>

#include "ledger/domain/entitlement.h"
#include "pbl/v1/entry.pb.h"

namespace pbl::testing {

// An 18-character resident identity number: `region` (6 digits), the birth date, the sequence
// 01 plus a sex digit (odd: male, even: female), and the ISO 7064 MOD 11-2 check character.
inline std::string PersonIdFor(std::string_view region, int year, int month, int day, bool male) {
  char body[64];
  std::snprintf(body, sizeof(body), "%.6s%04d%02d%02d01%c", std::string(region).c_str(), year,
                month, day, male ? '1' : '2');
  static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (body[i] - '0') * kWeights[i];
  return std::string(body, 17) + "10X98765432"[sum % 11];
}

class HistoryBuilder {
 public:
  explicit HistoryBuilder(std::string person_id) : person_id_(std::move(person_id)) {}

  const std::string& person_id() const { return person_id_; }
  const ledger::History& history() const { return history_; }

  HistoryBuilder& Enrol(std::string_view scheme, std::string_view date,
                        std::string_view hukou_region, v1::RetirementCategory category) {
    v1::Enrolment* e = Add(scheme).mutable_enrolment();
    e->set_date(std::string(date));
    e->set_hukou_region(std::string(hukou_region));
    e->set_retirement_category(category);
    return *this;
  }

  // One contribution entry for each month from `first` to `last` ("YYYY-MM", inclusive), all
  // with the same amounts (fen).
  HistoryBuilder& Contributions(std::string_view scheme, std::string_view first,
                                std::string_view last, int64_t base_fen, int64_t personal_fen,
                                int64_t employer_fen) {
    const int last_month = MonthNumber(last);
    for (int m = MonthNumber(first); m <= last_month; ++m) {
      v1::MonthlyContribution* c = Add(scheme).mutable_monthly_contribution();
      const std::string period = MonthText(m);
      c->set_period(period);
      c->set_base_fen(base_fen);
      c->set_personal_fen(personal_fen);
      c->set_employer_fen(employer_fen);
      c->set_employer_id("91310000631234567X");
      c->set_employer_name("Test Employer Co., Ltd.");
      c->set_source_record_id(std::string(scheme) + "/" + period);
    }
    return *this;
  }

  HistoryBuilder& Premium(std::string_view scheme, int32_t year, int64_t personal_fen,
                          int64_t collective_subsidy_fen, int64_t government_subsidy_fen) {
    v1::AnnualPremium* p = Add(scheme).mutable_annual_premium();
    p->set_year(year);
    p->set_personal_fen(personal_fen);
    p->set_collective_subsidy_fen(collective_subsidy_fen);
    p->set_government_subsidy_fen(government_subsidy_fen);
    return *this;
  }

  HistoryBuilder& MlgPayment(std::string_view scheme, std::string_view month, int64_t amount_fen) {
    v1::MlgPayment* p = Add(scheme).mutable_mlg_payment();
    p->set_month(std::string(month));
    p->set_amount_fen(amount_fen);
    return *this;
  }

  HistoryBuilder& Benefit(std::string_view scheme, std::string_view month, int64_t amount_fen) {
    v1::BenefitPayment* b = Add(scheme).mutable_benefit_payment();
    b->set_month(std::string(month));
    b->set_amount_fen(amount_fen);
    return *this;
  }

  // Recorded by the source when it starts a transfer (figures left empty).
  HistoryBuilder& TransferInitiated(std::string_view scheme, std::string_view transfer_id,
                                    std::string_view destination_scheme, std::string_view date) {
    v1::TransferInitiated* t = Add(scheme).mutable_transfer_initiated();
    t->set_transfer_id(std::string(transfer_id));
    t->set_destination_node_id("node-destination");
    t->set_destination_scheme_id(std::string(destination_scheme));
    t->set_date(std::string(date));
    t->set_deadline_unix_ms(kNodeTimeFirstMs + 90LL * 24 * 3600 * 1000);
    return *this;
  }

  HistoryBuilder& TransferVoided(std::string_view scheme, std::string_view transfer_id) {
    v1::TransferVoided* t = Add(scheme).mutable_transfer_voided();
    t->set_transfer_id(std::string(transfer_id));
    t->set_reason("withdrawn by the applicant");
    return *this;
  }

 private:
  static constexpr int64_t kNodeTimeFirstMs = 1'600'000'000'000;

  // "YYYY-MM" to year * 12 + month - 1 (the builder's own parsing; inputs are test literals).
  static int MonthNumber(std::string_view text) {
    const int year =
        (text[0] - '0') * 1000 + (text[1] - '0') * 100 + (text[2] - '0') * 10 + (text[3] - '0');
    const int month = (text[5] - '0') * 10 + (text[6] - '0');
    return year * 12 + month - 1;
  }
  static std::string MonthText(int month_number) {
    char text[16];
    std::snprintf(text, sizeof(text), "%04d-%02d", month_number / 12, month_number % 12 + 1);
    return text;
  }

  v1::Entry& Add(std::string_view scheme) {
    ledger::HistoryEntry& h = history_.emplace_back();
    h.index = history_.size();  // 1, 2, 3, ...: log order
    h.entry.set_scheme_id(std::string(scheme));
    h.entry.set_person_id(person_id_);
    h.entry.set_node_time_unix_ms(kNodeTimeFirstMs + static_cast<int64_t>(h.index) * 1000);
    return h.entry;
  }

  std::string person_id_;
  ledger::History history_;
};

}  // namespace pbl::testing

#endif  // PBL_TESTS_TESTING_HISTORY_BUILDER_H_
