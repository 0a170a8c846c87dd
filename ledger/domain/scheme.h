// Scheme ids: `<KIND>-<REGION>`, e.g. UEBPI-310000 (Shanghai's urban employee basic pension).
// Pure; thread-safe.
#ifndef PBL_LEDGER_DOMAIN_SCHEME_H_
#define PBL_LEDGER_DOMAIN_SCHEME_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace pbl::ledger {

enum class SchemeKind {
  kUebpi,   // urban employee basic pension insurance
  kUrrbpi,  // urban-rural resident basic pension insurance
  kUebmi,   // urban employee basic medical insurance
  kUrrbmi,  // urban-rural resident basic medical insurance
  kHpf,     // housing provident fund
  kMlg,     // minimum livelihood guarantee
};

std::string_view SchemeKindName(SchemeKind kind);

// Employee schemes and the HPF take monthly contributions; resident schemes annual premiums.
bool TakesMonthlyContributions(SchemeKind kind);
bool TakesAnnualPremiums(SchemeKind kind);

struct SchemeId {
  SchemeKind kind = SchemeKind::kUebpi;
  int32_t region = 0;  // 6-digit GB/T 2260 code

  // The first two digits of the region: 31 is Shanghai, 34 Anhui.
  int32_t Province() const { return region / 10000; }
  std::string ToString() const;
  bool operator==(const SchemeId&) const = default;
};

// INVALID_ARGUMENT naming what is wrong unless `text` is KIND-REGION with a known KIND and a
// 6-digit REGION whose province part is a GB/T 2260 province code.
absl::StatusOr<SchemeId> ParseSchemeId(std::string_view text);

// True for the 2-digit province codes of GB/T 2260 (11 Beijing ... 65 Xinjiang, 71 Taiwan, 81
// Hong Kong, 82 Macao).
bool IsProvinceCode(int32_t code);

// A 6-digit GB/T 2260 region code as text ("310000") to its number; INVALID_ARGUMENT naming
// `field` otherwise.
absl::StatusOr<int32_t> ParseRegion(std::string_view text, std::string_view field);

}  // namespace pbl::ledger

#endif  // PBL_LEDGER_DOMAIN_SCHEME_H_
