"""Slot values of the demo data: names, products, ids, dates, PII, and knowledge-base facts.

Every row gets every slot (lazily: pools store an index, ids are formatted only when a template
asks). Fact slots (policy ids, day counts, money amounts) have a real pool, used in the context
and in correct replies, and a disjoint *fake* pool (slot ``fake__<name>``) used by the
``invented_policy`` failure.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from workbench._demo._render import Computed, Pool, Templated, int_str

FIRST = (
    "Emma", "Liam", "Olivia", "Noah", "Ava", "Lucas", "Mia", "Ethan", "Sofia", "Mateo", "Chloe",
    "Daniel", "Grace", "James", "Hannah", "Omar", "Priya", "Wei", "Fatima", "Jonas", "Lena", "Marco",
    "Aisha", "Tom", "Nora", "Ravi", "Julia", "Samuel", "Yuki", "Carlos",
)  # fmt: skip
LAST = (
    "Smith", "Johnson", "Brown", "Garcia", "Miller", "Davis", "Martinez", "Wilson", "Anderson",
    "Taylor", "Thomas", "Moore", "Jackson", "Lee", "Patel", "Khan", "Nguyen", "Kim", "Schmidt",
    "Rossi", "Dubois", "Novak", "Okafor", "Silva", "Cohen", "Larsen", "Murphy", "Walker",
)  # fmt: skip
DOMAINS = (
    "gmail.com",
    "outlook.com",
    "yahoo.com",
    "icloud.com",
    "proton.me",
    "hotmail.com",
    "gmx.net",
)
EMAIL_SUFFIX = ("", "", "", "7", "21", "84", "1990", "_work", "2003", "99")
PRODUCTS = (
    "Aurora wireless headphones", "Pulse fitness watch", "Lumen desk lamp", "Echo smart speaker",
    "Vertex mechanical keyboard", "Glide wireless mouse", "Nova robot vacuum", "Comet e-reader",
    "Solace noise-cancelling earbuds", "Pixel drawing tablet", "Drift portable charger",
    "Orbit action camera", "Beacon bike light", "Spark electric toothbrush", "Trek GPS tracker",
    "Halo smart thermostat", "Wave Bluetooth speaker", "Prism projector", "Zen massage gun",
    "Frost hand blender",
)  # fmt: skip
CITIES = (
    "Boston", "Chicago", "Denver", "Seattle", "Austin", "Portland", "Atlanta", "San Diego", "Miami",
    "Phoenix", "Minneapolis", "Nashville", "Philadelphia", "Pittsburgh", "Sacramento", "Raleigh",
)  # fmt: skip
STREETS = (
    "Maple Avenue", "Oak Street", "Cedar Lane", "Elm Road", "Lakeview Drive", "Hillcrest Court",
    "Park Place", "Sunset Boulevard", "River Road", "Willow Way", "Highland Avenue", "Mill Street",
)  # fmt: skip
CARRIERS = ("UPS", "FedEx", "USPS", "DHL")
PLANS = ("Plus Monthly", "Plus Annual", "Premium Monthly", "Family Plan")
AREA_CODES = (212, 312, 415, 617, 713, 206, 303, 404, 512, 646, 702, 919)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ORDINALS = tuple(f"the {d}{'st' if d in (1, 21) else 'nd' if d in (2, 22) else 'rd' if d in (3, 23) else 'th'}"
                 for d in range(1, 29))  # fmt: skip
WEIGHTS_G = ("185", "240", "310", "420", "565", "870")

# fact slot -> (real values, fake values); fake values never occur in any context
FACTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "sp_id": (("SP-1102", "SP-1108"), ("SP-7415", "SP-9026", "SP-8830")),
    "track_lag": (("24", "48"), ("72", "96")),
    "rf_id": (("RF-3310", "RF-3312"), ("RF-8841", "RF-9307")),
    "refund_days": (("5", "7", "10"), ("45", "100")),
    "rp_id": (("RP-2041", "RP-2042", "RP-2047"), ("RP-7713", "RP-9305", "RP-8190")),
    "return_days": (("14", "30", "60"), ("45", "100", "120", "180")),
    "free_return_min": (("$35.00", "$50.00"), ("$250.00", "$350.00")),
    "return_fee": (("$4.95",), ("$29.00",)),
    "free_ship_min": (("$49.00", "$75.00"), ("$175.00", "$250.00")),
    "express_days": (("1-2", "2"), ("11",)),
    "express_fee": (("$9.99", "$14.99"), ("$89.00", "$175.00")),
    "ac_id": (("AC-5120", "AC-5124"), ("AC-7702", "AC-9911")),
    "link_minutes": (("15", "30", "60"), ("240",)),
    "lock_attempts": (("5",), ("11",)),
    "unlock_minutes": (("30",), ("240",)),
    "bd_id": (("BD-6601", "BD-6603"), ("BD-8812", "BD-9450")),
    "dispute_days": (("60", "90"), ("180", "120")),
    "reversal_days": (("3", "5"), ("45", "100")),
    "wr_id": (("WR-4730", "WR-4731"), ("WR-8802", "WR-9917")),
    "warranty_months": (("12", "24"), ("36",)),
    "review_days": (("3", "5"), ("45",)),
    "pd_id": (("PD-4410", "PD-4415"), ("PD-8870", "PD-9962")),
    "battery_hours": (("8", "10", "12"), ("36",)),
    "sh_id": (("SH-1200",), ("SH-9100",)),
    "open_time": (("9:00 am", "10:00 am"), ("6:00 am",)),
    "close_time": (("8:00 pm", "9:00 pm"), ("11:00 pm",)),
    "sunday_close": (("5:00 pm", "6:00 pm"), ("10:00 pm",)),
    "lp_id": (("LP-3050", "LP-3052"), ("LP-8123", "LP-9044")),
    "points_value": (("$5.00",), ("$45.00",)),
    "points_months": (("12", "18"), ("36",)),
    "cs_id": (("CS-3810", "CS-3812"), ("CS-9930", "CS-7781")),
    "response_hours": (("24", "48"), ("96", "72")),
    "voucher": (("$10.00", "$15.00", "$20.00"), ("$250.00", "$90.00")),
    "dd_id": (("DD-5510", "DD-5514"), ("DD-8405", "DD-9931")),
    "report_days": (("7", "14"), ("45", "100")),
    "replace_days": (("3", "5"), ("45",)),
    "pr_id": (("PR-0900", "PR-0904"), ("PR-7070", "PR-9390")),
    "deletion_days": (("30",), ("120", "180")),
    "retention_years": (("7",), ("25",)),
    # facts that only action intents use (never invented: action intents fail as invalid JSON)
    "sb_id": (("SB-4410",), ("SB-9410",)),
    "ad_id": (("AD-2290",), ("AD-9290",)),
    "addr_hours": (("12", "24"), ("72",)),
    "iv_id": (("IV-2020",), ("IV-9020",)),
    "invoice_hours": (("2", "24"), ("96",)),
}
# shipping ranges move together
SHIP_RANGES = (("3", "5"), ("2", "4"))
FAKE_SHIP_RANGES = (("11", "16"), ("13", "19"))
FAKE_POLICY = ("POL-7781", "GP-9042", "CX-8830", "SP-9999", "RP-7000", "CS-9120")
FAKE_AMOUNT = ("$250.00", "$175.00", "$350.00", "$90.00")
FAKE_DAYS = ("45", "100", "120", "180")

# fields that the invented_policy failure replaces by their fake values
FAKEABLE: frozenset[str] = frozenset([*FACTS, "ship_min", "ship_max"])


def _luhn_digits(body: np.ndarray) -> np.ndarray:
    """(m, 15) digit matrix -> (m, 16) with a Luhn check digit appended."""
    d = body.astype(np.int64)
    # positions from the right, once the check digit is appended: body[-1] is doubled
    doubled = d[:, ::-1].copy()
    doubled[:, 0::2] *= 2
    doubled[doubled > 9] -= 9
    check = (10 - doubled.sum(axis=1) % 10) % 10
    return np.concatenate([d, check[:, None]], axis=1)


def _card_strings(body: np.ndarray, style: np.ndarray) -> pa.Array:
    digits = (_luhn_digits(body) + 48).astype(np.uint8)
    m = len(digits)
    out = np.empty(m, dtype=object)
    plain = digits.copy().view("S16").ravel().astype(str)
    for s, sep in enumerate(("", " ", "-")):
        sel = style == s
        if not sel.any():
            continue
        if sep:
            g = digits[sel]
            sep_col = np.full((len(g), 1), ord(sep), dtype=np.uint8)
            spaced = np.concatenate(
                [g[:, 0:4], sep_col, g[:, 4:8], sep_col, g[:, 8:12], sep_col, g[:, 12:16]], 1
            )
            out[sel] = np.ascontiguousarray(spaced).view("S19").ravel().astype(str)
        else:
            out[sel] = plain[sel]
    return pa.array(out, type=pa.large_string())


def luhn_valid(number: str) -> bool:
    """True if the digits of ``number`` pass the Luhn check."""
    digits = [int(c) for c in number if c.isdigit()]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return len(digits) >= 13 and total % 10 == 0


def draw_slots(rng: np.random.Generator, n: int) -> dict[str, object]:
    """Every slot for ``n`` rows."""
    slots: dict[str, object] = {}

    def pool(name: str, values: tuple[str, ...]) -> np.ndarray:
        idx = rng.integers(0, len(values), n, dtype=np.int16)
        slots[name] = Pool(values, idx)
        return idx

    first = pool("first", FIRST)
    last = pool("last", LAST)
    del first, last
    pool("product", PRODUCTS)
    pool("city", CITIES)
    pool("street", STREETS)
    pool("carrier", CARRIERS)
    pool("plan", PLANS)
    pool("weight_g", WEIGHTS_G)
    slots["shop"] = Pool(("Northwind Goods",), np.zeros(n, dtype=np.int8))
    sizes = np.array([[len(real), len(fake)] for real, fake in FACTS.values()])
    fact_idx = (rng.random((n, *sizes.shape)) * sizes).astype(np.int8)
    for j, (name, (real, fake)) in enumerate(FACTS.items()):
        slots[name] = Pool(real, fact_idx[:, j, 0])
        slots["fake__" + name] = Pool(fake, fact_idx[:, j, 1])
    ship = rng.integers(0, len(SHIP_RANGES), n, dtype=np.int8)
    slots["ship_min"] = Pool(tuple(r[0] for r in SHIP_RANGES), ship)
    slots["ship_max"] = Pool(tuple(r[1] for r in SHIP_RANGES), ship)
    fship = rng.integers(0, len(FAKE_SHIP_RANGES), n, dtype=np.int8)
    slots["fake__ship_min"] = Pool(tuple(r[0] for r in FAKE_SHIP_RANGES), fship)
    slots["fake__ship_max"] = Pool(tuple(r[1] for r in FAKE_SHIP_RANGES), fship)
    pool("fake_policy", FAKE_POLICY)
    pool("fake_amount", FAKE_AMOUNT)
    pool("fake_days", FAKE_DAYS)

    # dates as weekdays and days of the month: stationary text (a month name would drift with time)
    order_wd = rng.integers(0, 7, n)
    ship_wd = (order_wd + rng.integers(1, 3, n)) % 7
    slots["order_date"] = Pool(WEEKDAYS, order_wd)
    slots["ship_date"] = Pool(WEEKDAYS, ship_wd)
    slots["eta_date"] = Pool(WEEKDAYS, (ship_wd + rng.integers(3, 6, n)) % 7)
    slots["charge_date"] = Pool(ORDINALS, rng.integers(0, len(ORDINALS), n))
    slots["renewal_date"] = Pool(ORDINALS, rng.integers(0, len(ORDINALS), n))

    order_no = rng.integers(1_000_000, 9_999_999, n)
    slots["order_id"] = Computed(lambda r: _prefixed("#", int_str(order_no[r])))
    tracking = rng.integers(10**11, 10**12 - 1, n)
    slots["tracking"] = Computed(lambda r: _prefixed("1Z", int_str(tracking[r])))
    sub_no = rng.integers(100_000, 999_999, n)
    slots["sub_id"] = Computed(lambda r: _prefixed("SUB-", int_str(sub_no[r])))
    inv_no = rng.integers(0, 999_999, n)
    slots["invoice_id"] = Computed(lambda r: _prefixed("INV-2026-", int_str(inv_no[r], 6)))
    house = rng.integers(2, 999, n)
    slots["house_no"] = Computed(lambda r: int_str(house[r]))
    points = rng.integers(1_000, 19_999, n)
    slots["points"] = Computed(lambda r: int_str(points[r]))
    # amounts with non-zero cents, so they never equal a fake round amount
    for name in ("refund_amount", "charge_amount"):
        dollars = rng.integers(12, 899, n)
        cents = rng.integers(1, 99, n)
        slots[name] = Computed(
            lambda r, d=dollars, c=cents: _prefixed("$", _join_dot(int_str(d[r]), int_str(c[r], 2)))
        )

    # PII
    slots["email_user_sep"] = Pool((".", "_", ""), rng.integers(0, 3, n, dtype=np.int8))
    slots["email_suffix"] = Pool(EMAIL_SUFFIX, rng.integers(0, len(EMAIL_SUFFIX), n, dtype=np.int8))
    slots["domain"] = Pool(DOMAINS, rng.integers(0, len(DOMAINS), n, dtype=np.int8))
    slots["first_lc"] = Computed(lambda r: _lower(slots["first"].take(r)))
    slots["last_lc"] = Computed(lambda r: _lower(slots["last"].take(r)))
    slots["email"] = Templated(
        (
            "{first_lc}{email_user_sep}{last_lc}{email_suffix}@{domain}",
            "{first_lc}{email_suffix}@{domain}",
        ),
        (rng.random(n) < 0.2).astype(np.int8),
        slots,
    )
    slots["area"] = Pool(
        tuple(str(a) for a in AREA_CODES), rng.integers(0, len(AREA_CODES), n, dtype=np.int8)
    )
    exch = rng.integers(201, 999, n)
    line = rng.integers(0, 9999, n)
    slots["exch"] = Computed(lambda r: int_str(exch[r]))
    slots["line"] = Computed(lambda r: int_str(line[r], 4))
    slots["phone"] = Templated(
        (
            "({area}) {exch}-{line}",
            "{area}-{exch}-{line}",
            "+1 {area} {exch} {line}",
            "+1 ({area}) {exch}-{line}",
        ),
        rng.integers(0, 4, n, dtype=np.int8),
        slots,
    )
    body = np.concatenate(
        [np.full((n, 1), 4, dtype=np.int8), rng.integers(0, 10, (n, 14), dtype=np.int8)], axis=1
    )
    style = rng.integers(0, 3, n, dtype=np.int8)
    slots["card"] = Computed(lambda r: _card_strings(body[r], style[r]))
    return slots


def override(slots: dict[str, object], name: str, value: str) -> None:
    """Pin slot ``name`` to one value for every row (simulate_call: values read from the input)."""
    n = _size(slots)
    slots[name] = Pool((value,), np.zeros(n, dtype=np.int8))


def _size(slots: dict[str, object]) -> int:
    return len(slots["product"].idx)


def _prefixed(prefix: str, values: pa.Array) -> pa.Array:
    import pyarrow.compute as pc

    return pc.binary_join_element_wise(
        pa.scalar(prefix, type=values.type), values, pa.scalar("", type=values.type)
    )


def _join_dot(a: pa.Array, b: pa.Array) -> pa.Array:
    import pyarrow.compute as pc

    return pc.binary_join_element_wise(a, b, pa.scalar(".", type=a.type))


def _lower(values: pa.Array) -> pa.Array:
    import pyarrow.compute as pc

    return pc.utf8_lower(values)
