"""The demo's vaccination coverage: Chiang Mai's 25 districts on four dates, so a trend shows.

The latest date holds the figures of the sample workbook (ข้อมูล ณ วันที่ 14 พ.ย. 2564); the
three months before it are made up as shares of them.
"""

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.vaccination import coverage

# District code: population, dose 1, dose 2, dose 3 on 14 November 2021 (the sample workbook).
CHIANG_MAI = {
    "5001": (161139, 83964, 75330, 7075), "5002": (111362, 66797, 41625, 6865),
    "5003": (45259, 34854, 25193, 2594), "5004": (108016, 65753, 44011, 5654),
    "5005": (239784, 191644, 159529, 28249), "5006": (143348, 114678, 91510, 11738),
    "5007": (60743, 34120, 26260, 2955), "5008": (62463, 38443, 30231, 2150),
    "5009": (207716, 169344, 141171, 21681), "5010": (183300, 110983, 98529, 14121),
    "5011": (44117, 25320, 17671, 2305), "5012": (125155, 78378, 51714, 3288),
    "5013": (91694, 51419, 39109, 3215), "5014": (248086, 198393, 177528, 31288),
    "5015": (20923, 11776, 9251, 1613), "5016": (104292, 76837, 48309, 8736),
    "5017": (16457, 8377, 6783, 1190), "5018": (33547, 23182, 17616, 2671),
    "5019": (156322, 90233, 67718, 5353), "5020": (75771, 52185, 41403, 5525),
    "5021": (210766, 118373, 71216, 7717), "5022": (187270, 101043, 84182, 14335),
    "5023": (162591, 87512, 71887, 12539), "5024": (246166, 205048, 133300, 16946),
    "5025": (156420, 111005, 95196, 11907),
}  # fmt: skip
# Date: share of the last date's doses 1, 2 and 3 given by then.
EARLIER = {
    date(2021, 8, 15): (0.45, 0.2, 0.0),
    date(2021, 9, 15): (0.65, 0.4, 0.05),
    date(2021, 10, 15): (0.85, 0.7, 0.4),
}
LATEST = date(2021, 11, 14)


async def seed_coverage(session: AsyncSession) -> int:
    """Store the demo's coverage rows (callers commit); return how many."""
    rows = []
    for code, (population, *doses) in CHIANG_MAI.items():
        rows.append(coverage.Row(code, LATEST, coverage.Figures(population, *doses)))
        for day, shares in EARLIER.items():
            given = [round(n * s) for n, s in zip(doses, shares, strict=True)]
            rows.append(coverage.Row(code, day, coverage.Figures(population, *given)))
    created, _updated, _unchanged = await coverage.store(session, rows, source="import")
    return created
