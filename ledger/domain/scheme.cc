#include "ledger/domain/scheme.h"

#include <algorithm>
#include <array>

#include "absl/status/status.h"
#include "crypto/base/strings.h"

namespace pbl::ledger {

namespace {

constexpr std::array<std::string_view, 6> kKindNames = {"UEBPI",  "URRBPI", "UEBMI",
                                                        "URRBMI", "HPF",    "MLG"};

}  // namespace

std::string_view SchemeKindName(SchemeKind kind) { return kKindNames[static_cast<size_t>(kind)]; }

bool TakesMonthlyContributions(SchemeKind kind) {
  return kind == SchemeKind::kUebpi || kind == SchemeKind::kUebmi || kind == SchemeKind::kHpf;
}

bool TakesAnnualPremiums(SchemeKind kind) {
  return kind == SchemeKind::kUrrbpi || kind == SchemeKind::kUrrbmi;
}

std::string SchemeId::ToString() const { return StrCat(SchemeKindName(kind), "-", region); }

bool IsProvinceCode(int32_t code) {
  static constexpr std::array<int32_t, 34> kProvinces = {
      11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42,
      43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82};
  return std::find(kProvinces.begin(), kProvinces.end(), code) != kProvinces.end();
}

absl::StatusOr<int32_t> ParseRegion(std::string_view text, std::string_view field) {
  // The value is only computed from six digits: any longer text would overflow it.
  const bool digits = text.size() == 6 && std::all_of(text.begin(), text.end(),
                                                      [](char c) { return c >= '0' && c <= '9'; });
  int32_t region = 0;
  if (digits) {
    for (char c : text) region = region * 10 + (c - '0');
  }
  if (!digits || !IsProvinceCode(region / 10000)) {
    return absl::InvalidArgumentError(
        StrCat(field, " \"", text.substr(0, 32), "\" is not a 6-digit GB/T 2260 region code"));
  }
  return region;
}

absl::StatusOr<SchemeId> ParseSchemeId(std::string_view text) {
  const size_t dash = text.find('-');
  const std::string_view kind = text.substr(0, dash);
  const auto known = std::find(kKindNames.begin(), kKindNames.end(), kind);
  absl::StatusOr<int32_t> region = absl::InvalidArgumentError("");
  if (dash != std::string_view::npos) region = ParseRegion(text.substr(dash + 1), "region");
  if (known == kKindNames.end() || !region.ok()) {
    return absl::InvalidArgumentError(
        StrCat("scheme_id \"", text.substr(0, 32),
               "\" is not KIND-REGION (KIND one of UEBPI, URRBPI, UEBMI, URRBMI, HPF, MLG; "
               "REGION a 6-digit GB/T 2260 code)"));
  }
  return SchemeId{static_cast<SchemeKind>(known - kKindNames.begin()), *region};
}

}  // namespace pbl::ledger
