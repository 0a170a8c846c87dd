// Realistic entries for ledger tests and benchmarks: monthly employee-pension contributions of
// generated workers, serialized as pbl.v1.Entry. Deterministic.
#ifndef PBL_TESTS_TESTING_ENTRIES_H_
#define PBL_TESTS_TESTING_ENTRIES_H_

#include <cstdint>
#include <cstdio>
#include <string>

#include "pbl/v1/entry.pb.h"

namespace pbl::testing {

// How many distinct ids PersonId makes in one district, and in all.
inline constexpr int64_t kPersonIdsPerDistrict = 13'440'000;
inline constexpr int64_t kPersonIdsMax = 2 * kPersonIdsPerDistrict;

// The n-th generated resident identity number, with a valid GB 11643 check digit.
inline std::string PersonId(int64_t n) {
  // Unique for n < 26,880,000: a sequence number, then birth dates cycling year, month, day,
  // then the district (Huangpu's 310104 for the first 13,440,000, then Changning's 310105).
  const int64_t k = n / 1000;
  char body[32];
  std::snprintf(body, sizeof(body), "%06d%04d%02d%02d%03d",
                static_cast<int>(310104 + n / kPersonIdsPerDistrict),
                static_cast<int>(1960 + k % 40), static_cast<int>(1 + (k / 40) % 12),
                static_cast<int>(1 + (k / 480) % 28), static_cast<int>(n % 1000));
  static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (body[i] - '0') * kWeights[i];
  return std::string(body, 17) + "10X98765432"[sum % 11];
}

// A monthly contribution of person `person` (0 <= person < kPersonIdsMax) for month `month`
// (0 = 2020-01), about 200 bytes
// with the person id, as a real contribution record is.
inline std::string ContributionEntry(int64_t person, int64_t month,
                                     const std::string& scheme = "UEBPI-310000") {
  v1::Entry entry;
  entry.set_scheme_id(scheme);
  entry.set_person_id(PersonId(person));
  entry.set_node_time_unix_ms(1'700'000'000'000 + month * 2'592'000'000 + person);
  v1::MonthlyContribution* c = entry.mutable_monthly_contribution();
  char period[32];
  std::snprintf(period, sizeof(period), "%04d-%02d", static_cast<int>(2020 + month / 12),
                static_cast<int>(1 + month % 12));
  c->set_period(period);
  const int64_t base = 731'000 + (person * 7919) % 2'961'100;
  c->set_base_fen(base);
  c->set_personal_fen((base * 8 + 50) / 100);
  c->set_employer_fen((base * 16 + 50) / 100);
  char employer[24];
  std::snprintf(employer, sizeof(employer), "91310000%09dX", static_cast<int>(person % 500'000));
  c->set_employer_id(employer);
  c->set_employer_name(
      "\xE4\xB8\x8A\xE6\xB5\xB7\xE6\xB5\xA6\xE4\xB8\x9C\xE7\xA7\x91"
      "\xE6\x8A\x80\xE6\x9C\x89\xE9\x99\x90\xE5\x85\xAC\xE5\x8F\xB8");
  char source[96];
  std::snprintf(source, sizeof(source), "SH-UEBPI-%s-%010lld", period,
                static_cast<long long>(person));
  c->set_source_record_id(source);
  return entry.SerializeAsString();
}

}  // namespace pbl::testing

#endif  // PBL_TESTS_TESTING_ENTRIES_H_
