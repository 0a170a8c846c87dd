# Generates realistic demo records (deterministic) for scripts/demo.sh, with only awk.
#   awk -v persons=3000 -v out=DIR -f scripts/gen-demo-data.awk
# Writes, in DIR:
#   shanghai-enrol.csv, anhui-enrol.csv     person_id,scheme_id,date,hukou_region,retirement_category
#   shanghai.csv, anhui.csv                 pbl import format (monthly contributions, premiums)
#   moves-cross.txt                         persons to move Shanghai UEBPI -> Anhui UEBPI
#   moves-bridge.txt                        retired persons to bridge URRBPI -> UEBPI in Shanghai
# Person ids carry a valid GB 11643 check character. Amounts are yuan with 2 decimals; the
# personal part is 8% of the base, the employer's 16%.

function rand_int(lo, hi) { return lo + int(rand() * (hi - lo + 1)) }

function check_char(body,    i, sum) {
  sum = 0
  for (i = 1; i <= 17; i++) sum += substr(body, i, 1) * weight[i]
  return substr("10X98765432", sum % 11 + 1, 1)
}

function person_id(region, year, month, day, seq,    body) {
  body = sprintf("%s%04d%02d%02d%03d", region, year, month, day, seq)
  return body check_char(body)
}

function yuan(fen) { return sprintf("%d.%02d", int(fen / 100), fen % 100) }

# Monthly contributions of `id` in `scheme` for months [first, last] (month index y*12+m-1).
function contributions(file, id, scheme, first, last, base_fen,    m, b) {
  for (m = first; m <= last; m++) {
    if (rand() < 0.03) continue  # a missed month now and then
    b = base_fen + int((m - first) / 12) * 15000  # wages grow a little each year
    printf "%s,%s,%04d-%02d,%s,%s,%s,,\n", id, scheme, int(m / 12), m % 12 + 1, yuan(b),
           yuan(int(b * 8 / 100)), yuan(int(b * 16 / 100)) > file
  }
  return last - first + 1
}

function premiums(file, id, scheme, first_year, last_year,    y) {
  for (y = first_year; y <= last_year; y++) {
    printf "%s,%s,%04d,,%s,,%s,%s\n", id, scheme, y, yuan(rand_int(200, 2000) * 100),
           yuan(rand_int(0, 200) * 100), yuan(rand_int(30, 120) * 100) > file
  }
}

BEGIN {
  split("7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2", weight, " ")
  srand(20261129)
  header = "person_id,scheme_id,period,base,personal,employer,collective_subsidy,government_subsidy"
  enrol_header = "person_id,scheme_id,date,hukou_region,retirement_category"
  print header > (out "/shanghai.csv")
  print header > (out "/anhui.csv")
  print enrol_header > (out "/shanghai-enrol.csv")
  print enrol_header > (out "/anhui-enrol.csv")
  for (n = 0; n < persons; n++) {
    kind = n % 10  # 0-6 Shanghai workers, 7-8 Anhui workers, 9 older Shanghai men
    if (kind == 9) { birth = rand_int(1955, 1963); male = 1 } else { birth = rand_int(1965, 1998); male = rand() < 0.55 }
    category = male ? "male" : (rand() < 0.5 ? "female-worker" : "female-staff")
    hukou = (kind >= 7 || rand() < 0.35) ? "340100" : "310000"
    seq = (n % 500) * 2 + (male ? 1 : 0)
    id = person_id(substr(hukou, 1, 2) "0104", birth, rand_int(1, 12), 1 + int(n / 500) % 28, seq)
    start_year = (birth + 20 > 2005) ? birth + 20 : rand_int(1996, 2008)
    if (start_year > 2022) start_year = 2022
    first = start_year * 12 + rand_int(0, 11)
    base = rand_int(400000, 3000000)
    if (kind <= 6 || kind == 9) {
      last = (kind == 9) ? first + rand_int(190, 300) : 2024 * 12 + 11
      if (last > 2024 * 12 + 11) last = 2024 * 12 + 11
      # The older men stop working by 2022 and pay resident premiums afterwards.
      if (kind == 9 && last > 2022 * 12 + 11) last = 2022 * 12 + 11
      printf "%s,UEBPI-310000,%04d-01-01,%s,%s\n", id, start_year, hukou, category > (out "/shanghai-enrol.csv")
      months = contributions(out "/shanghai.csv", id, "UEBPI-310000", first, last, base)
      if (kind == 9) {
        premiums(out "/shanghai.csv", id, "URRBPI-310000", int(last / 12) + 1, 2024)
        if (bridged < 12) { print id > (out "/moves-bridge.txt"); bridged++ }
      } else if (hukou == "340100" && moved < 40) {
        # Migrant workers going home to Anhui.
        print id > (out "/moves-cross.txt"); moved++
        premiums(out "/anhui.csv", id, "URRBPI-340000", 2012, 2014)
        printf "%s,URRBPI-340000,2012-01-01,%s,%s\n", id, hukou, category > (out "/anhui-enrol.csv")
      }
    } else {
      printf "%s,UEBPI-340000,%04d-01-01,%s,%s\n", id, start_year, hukou, category > (out "/anhui-enrol.csv")
      contributions(out "/anhui.csv", id, "UEBPI-340000", first, 2024 * 12 + 11, base)
    }
  }
}
