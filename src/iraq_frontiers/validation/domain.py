"""Layer (d): domain rules of the iraq-frontiers model, as SQL over the registered tables.

Each rule names the table and fields it needs and runs only when they were read with their
types (a broken column is reported once, by the layer that found it, not again here).
"""
from __future__ import annotations

from dataclasses import dataclass

from iraq_frontiers.validation.integrity import Tables, q
from iraq_frontiers.problems import Problem, ProblemList
from iraq_frontiers.validation.spec_rules import claims_by_event, event_claims
from iraq_frontiers.validation.status import contested_sql, status_sql


@dataclass(frozen=True)
class Rule:
    code: str
    table: str
    needs: tuple[str, ...]  # fields of `table` the rule reads
    field: str  # field the problem is reported on
    value: str  # SQL for the offending value (alias t)
    where: str  # SQL condition selecting offending rows (alias t)
    message: str
    joins: tuple[tuple[str, tuple[str, ...]], ...] = ()  # other tables (and fields) the rule reads
    join: str = ""  # FROM-clause SQL joining them (table names as {placeholders}); default: the sources join
    local: bool = False  # DuckDB-only SQL: every engine runs it on a local DuckDB connection (spec.Check.collect)

    def columns_read(self, key: tuple[str, ...]) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """The (table, columns) the rule's check reads: row numbers, fields, their bad-cell flags and the
        key of its table, and the fields of the tables it joins (spec.Check.collect)."""
        from iraq_frontiers.validation.spec import ROW, bad_name

        read: dict[str, list[str]] = {self.table: [ROW, *self.needs, *(bad_name(f) for f in self.needs), *key]}
        for table, fields in self.joins:
            read.setdefault(table, []).extend(fields)
        return tuple((table, tuple(dict.fromkeys(columns))) for table, columns in read.items())


def _single_date_rules(table: str, date: str, precision: str) -> list[Rule]:
    d, p = f"t.{q(date)}", f"t.{q(precision)}"
    return [
        Rule("date-precision", table, (date, precision), date, f"CAST({d} AS VARCHAR) || ' @ ' || {p}",
             f"({p} = 'unknown') = ({d} IS NOT NULL)",
             f"{date} must be empty exactly when {precision} is 'unknown'"),
        Rule("date-precision", table, (date, precision), date, f"CAST({d} AS VARCHAR) || ' @ ' || {p}",
             f"({p} = 'month' AND day({d}) <> 1) OR ({p} = 'year' AND (month({d}) <> 1 OR day({d}) <> 1))",
             f"{date} must be the first day of its month (month precision) or year (year precision)"),
    ]


def _range_rules(table: str, start: str, end: str, precision: str) -> list[Rule]:
    s, e, p = f"t.{q(start)}", f"t.{q(end)}", f"t.{q(precision)}"
    both = (start, end, precision)
    show = f"coalesce(CAST({s} AS VARCHAR), '') || '..' || coalesce(CAST({e} AS VARCHAR), '') || ' @ ' || {p}"
    return [
        Rule("date-incomplete", table, (start, end), end, show, f"({s} IS NULL) <> ({e} IS NULL)",
             f"{start} and {end} must both be given or both be empty"),
        Rule("date-order", table, (start, end), end, show, f"{e} < {s}", f"{end} is before {start}"),
        Rule("date-precision", table, both, start, show, f"({p} = 'unknown') = ({s} IS NOT NULL OR {e} IS NOT NULL)",
             f"dates must be empty exactly when {precision} is 'unknown'"),
        Rule("date-precision", table, both, start, show,
             f"({p} = 'month' AND (day({s}) <> 1 OR {e} <> last_day({e}))) OR "
             f"({p} = 'year' AND (month({s}) <> 1 OR day({s}) <> 1 OR month({e}) <> 12 OR day({e}) <> 31))",
             "month precision runs from a 1st to a month's last day; year precision from 1 January to 31 December"),
    ]


SOURCE_DATE_MIN = "1900-01-01"  # no source of this dataset is older; UCDP's placeholder 1753-01-01 is not a date


def _source_date_rules() -> list[Rule]:
    """A source's date must be plausible (an error); a claim's source must not predate its event (a warning).

    The upper bound is the day of validation: a package is never built after the day it is validated, so a
    source dated later than that is dated after its package was built. A source predates its event when its
    whole date window (the day; the week from the stored day; the month; the year) ends before the event's
    date_start, the earliest day the event can have begun. Written without date arithmetic (a date at the
    type's limits cannot overflow) in the subset every engine runs alike."""
    p, e = "s.published_date", "e.date_start"
    before = (f"CASE s.published_date_precision WHEN 'day' THEN {p} < {e} "
              f"WHEN 'week' THEN datediff('day', {p}, {e}) > 6 "
              f"WHEN 'month' THEN year({p}) * 12 + month({p}) < year({e}) * 12 + month({e}) "
              f"WHEN 'year' THEN year({p}) < year({e}) ELSE FALSE END")
    return [
        Rule("source-date-implausible", "sources", ("published_date",), "published_date", "CAST(t.published_date AS VARCHAR)",
             f"t.published_date < DATE '{SOURCE_DATE_MIN}' OR t.published_date > current_date",
             f"published_date must lie between {SOURCE_DATE_MIN} and the day of validation (an out-of-range date, such as "
             "UCDP's 1753 placeholder, is imported as unknown with the original kept in notes)"),
        Rule("source-before-event", "claims", ("source_id", "event_id"), "source_id",
             f"t.source_id || ': ' || CAST({p} AS VARCHAR) || ' @ ' || s.published_date_precision || ' < ' || CAST({e} AS VARCHAR)",
             before,
             "the claim's source was published before its event began (the source's date window ends before "
             "the event's date_start): check the source's date, the event's date and the link between them",
             joins=(("sources", ("id", "published_date", "published_date_precision")), ("events", ("id", "date_start"))),
             join="JOIN {sources} s ON s.id = t.source_id JOIN {events} e ON e.id = t.event_id"),
    ]


def _rules() -> list[Rule]:
    fat = ("fatalities_low", "fatalities_best", "fatalities_high")
    rules = [
        *_range_rules("events", "date_start", "date_end", "date_precision"),
        *_single_date_rules("sources", "published_date", "published_date_precision"),
        *_single_date_rules("claims", "statement_date", "statement_date_precision"),
        *_source_date_rules(),
        Rule("figures-order", "events", fat, "fatalities_best",
             "[t.fatalities_low, t.fatalities_best, t.fatalities_high]",
             "t.fatalities_low > t.fatalities_best OR t.fatalities_best > t.fatalities_high OR t.fatalities_low > t.fatalities_high",
             "fatalities must satisfy low <= best <= high"),
        Rule("withdrawn-without-reason", "events", ("status", "withdrawn_reason"), "withdrawn_reason", "t.status",
             "t.status = 'withdrawn' AND t.withdrawn_reason IS NULL", "a withdrawn event must give withdrawn_reason"),
        Rule("event-unsupported", "events", ("id",), "id", "t.id", "f.event_id IS NULL", "no claim is about this event",
             joins=(("claims", ("event_id", "stance")),), join=event_claims("{claims}")),  # the status rule's join: one scan for both
        Rule("coordinates-incomplete", "locations", ("latitude", "longitude"), "latitude", "[t.latitude, t.longitude]",
             "(t.latitude IS NULL) <> (t.longitude IS NULL)", "latitude and longitude must both be given or both be empty"),
        Rule("coordinate-precision", "locations", ("latitude", "coordinate_precision"), "coordinate_precision",
             "t.coordinate_precision", "(t.coordinate_precision = 'none') = (t.latitude IS NOT NULL)",
             "coordinates must be empty exactly when coordinate_precision is 'none'"),
        Rule("self-link", "locations", ("id", "parent_id"), "parent_id", "t.parent_id", "t.parent_id = t.id",
             "a location cannot be its own parent"),
        Rule("span-incomplete", "claims", ("span_start", "span_end"), "span_end", "[t.span_start, t.span_end]",
             "(t.span_start IS NULL) <> (t.span_end IS NULL)", "span_start and span_end must both be given or both be empty"),
        Rule("span-empty", "claims", ("span_start", "span_end"), "span_end", "[t.span_start, t.span_end]",
             "t.span_end <= t.span_start", "an evidence span must have span_start < span_end"),
        Rule("span-outside-document", "claims", ("source_id", "span_end"), "span_end", "[t.span_end, s.text_length]",
             "t.span_end > s.text_length", "the evidence span ends beyond the source text",
             joins=(("sources", ("id", "text_length")),)),
        Rule("span-without-document", "claims", ("source_id", "span_end"), "span_end", "t.source_id",
             "t.span_end IS NOT NULL AND s.id IS NOT NULL AND s.text_length IS NULL",
             "the claim has an evidence span but its source records no text_length",
             joins=(("sources", ("id", "text_length")),)),
        Rule("claim-without-subject", "claims", ("event_id", "about_actor_id", "about_location_id"), "event_id", "t.id",
             "t.event_id IS NULL AND t.about_actor_id IS NULL AND t.about_location_id IS NULL",
             "a claim must be about an event, an actor or a location"),
        Rule("span-hash", "claims", ("span_start", "span_sha256"), "span_sha256", "t.span_sha256",
             "(t.span_start IS NULL) <> (t.span_sha256 IS NULL)",
             "span_sha256 must be given exactly when the claim has an evidence span (the hash of the span's text)"),
        Rule("anonymous-inconsistent", "claims", ("claimant_id", "anonymous", "claimant_description"), "anonymous",
             "coalesce(a.kind, '(no claimant actor)') || ' / anonymous=' || CAST(t.anonymous AS VARCHAR)",
             "(a.id IS NOT NULL AND (a.kind = 'unnamed_person') <> t.anonymous) "
             "OR (t.claimant_id IS NULL AND t.anonymous AND t.claimant_description IS NULL)",
             "anonymous must be true exactly when the claimant is an unnamed_person actor "
             "(with no claimant actor, an anonymous claim must describe its claimant in claimant_description)",
             joins=(("actors", ("id", "kind")),), join="LEFT JOIN {actors} a ON a.id = t.claimant_id"),
        Rule("figures-unbacked", "events", ("id", *fat, "fatalities_civilians"), "fatalities_best",
             "[t.fatalities_low, t.fatalities_best, t.fatalities_high, t.fatalities_civilians]",
             "coalesce(t.fatalities_low, t.fatalities_best, t.fatalities_high, t.fatalities_civilians) IS NOT NULL",
             "an event figure must be backed by a claim about the event that states a count of people killed "
             "(claim_quantities kind count_killed) or is a dataset record (docs/data-dictionary.md#event-figures)",
             joins=(("claims", ("id", "event_id", "source_id")), ("sources", ("id", "kind")),
                    ("claim_quantities", ("claim_id", "kind"))),
             # The backed events as one set, then an equi anti-join (an event without id has no match: it is
             # reported). Not a correlated NOT EXISTS per event (2-3x as long in DuckDB), nor `NOT IN`: with a
             # nullable id Spark plans that as a broadcast nested-loop join, the whole set sent to every task
             # and compared row by row (out of memory at 10M events).
             join="ANTI JOIN (SELECT c.event_id FROM {claims} c JOIN {sources} s ON s.id = c.source_id "
                  "WHERE s.kind = 'dataset_record' AND c.event_id IS NOT NULL UNION ALL SELECT c.event_id FROM {claims} c "
                  "JOIN {claim_quantities} k ON k.claim_id = c.id WHERE k.kind = 'count_killed' AND c.event_id IS NOT NULL) b "
                  "ON b.event_id = t.id"),
        Rule("contested-inconsistent", "events", ("id", "contested"), "contested",
             "CAST(t.contested AS VARCHAR) || '->' || CAST(x.event_id IS NOT NULL AS VARCHAR)",
             "t.contested IS NOT NULL AND t.contested <> (x.event_id IS NOT NULL)",
             "contested differs from what the event's claim links give (docs/data-dictionary.md#contested-events)",
             joins=(("claims", ("id", "event_id")), ("claim_links", ("claim_id", "relation", "other_claim_id", "kind"))),
             join="LEFT JOIN (" + contested_sql("{claims}", "{claim_links}") + ") x ON x.event_id = t.id"),
        Rule("link-kind", "claim_links", ("relation", "kind"), "kind", "coalesce(t.kind, '(empty)')",
             "(t.relation = 'contradicts') <> (t.kind IS NOT NULL)",
             "kind (factual, attribution, partial, legitimacy or framing) must be given exactly when relation is 'contradicts'"),
        Rule("self-link", "actor_relations", ("subject_id", "object_id"), "object_id", "t.object_id",
             "t.subject_id = t.object_id", "an actor cannot be related to itself"),
        Rule("self-link", "claim_links", ("claim_id", "other_claim_id"), "other_claim_id", "t.other_claim_id",
             "t.claim_id = t.other_claim_id", "a claim cannot be linked to itself"),
        *_cycle_rules(),
    ]
    return rules


CYCLE_LEVELS = 32  # ancestor jumps of 1, 2, 4 ... 2**32 steps: enough for any table this toolkit reads
CYCLE_MEMBERS_SHOWN = 10


def _cycle_sql(table: str, key: str, ref: str) -> str:
    """SQL: one row per cycle of the self-reference ref -> key (longer than one row; a row referring to itself
    is a self-link): its smallest key, its size and its first members in key order.

    Pointer doubling, a fixed number of joins however long the chains: level k maps each row to its ancestor
    2**k steps up (a row whose chain ends earlier drops out), carrying the smallest key met on the way. After
    2**CYCLE_LEVELS steps every row left stands on a cycle, and the ancestors reached are exactly the cycles'
    members (the step is a rotation of each cycle); the smallest key met names the cycle. Rows with a
    repeated key are left out (primary-key-duplicate reports them)."""
    steps = [f"n AS MATERIALIZED (SELECT {q(key)} AS id, any_value({q(ref)}) AS ref, row_number() OVER () AS k FROM {table} "
             f"WHERE {q(key)} IS NOT NULL GROUP BY {q(key)} HAVING count(*) = 1)",
             "j0 AS MATERIALIZED (SELECT a.k AS id, b.k AS up, least(a.k, b.k) AS low FROM n a JOIN n b ON b.id = a.ref)"]
    steps += [f"j{i} AS MATERIALIZED (SELECT a.id, b.up, least(a.low, b.low) AS low FROM j{i - 1} a JOIN j{i - 1} b ON b.id = a.up)"
              for i in range(1, CYCLE_LEVELS + 1)]
    last = f"j{CYCLE_LEVELS}"
    return (f"WITH {', '.join(steps)} SELECT min(n.id) AS id, count(*) AS size, "
            f"list(n.id ORDER BY n.id)[1:{CYCLE_MEMBERS_SHOWN}] AS members "
            f"FROM (SELECT DISTINCT up FROM {last}) c JOIN {last} w ON w.id = c.up JOIN n ON n.k = c.up "
            f"GROUP BY w.low HAVING count(*) > 1")


def _cycle_rules() -> list[Rule]:
    """A reference-cycle rule for every single-field self-reference of the dataset's tables (locations.parent_id)."""
    from iraq_frontiers.schema.metadata import table_names, table_schema

    rules = []
    for table in table_names():
        for fk in table_schema(table).get("foreignKeys", []):
            ref = fk.get("reference", {})
            fields, ref_fields = fk.get("fields"), ref.get("fields")
            fields, ref_fields = ([fields] if isinstance(fields, str) else fields), ([ref_fields] if isinstance(ref_fields, str) else ref_fields)
            if ref.get("resource", "") not in ("", table) or len(fields) != 1 or len(ref_fields) != 1:
                continue
            (field,), (key,) = fields, ref_fields
            rules.append(Rule(
                "reference-cycle", table, (key, field), field,
                f"CAST(x.size AS VARCHAR) || ' rows: ' || array_to_string(x.members, ', ') || "
                f"CASE WHEN x.size > {CYCLE_MEMBERS_SHOWN} THEN ', ...' ELSE '' END",
                "x.id IS NOT NULL",
                f"following {field} from this row leads back to it: the rows of the loop are given as the value "
                f"(this row has the smallest {key}); each must lead up to a row with an empty {field}",
                joins=((table, (key, field)),),
                join=f"LEFT JOIN ({_cycle_sql('{' + table + '}', key, field)}) x ON x.id = t.{q(key)}", local=True))
    return rules


_SOURCE_JOIN = "LEFT JOIN {sources} s ON s.id = t.source_id"


def _claims_by_event(t: Tables, effective: bool) -> str:
    """SQL: claims grouped by event_id, with has_<effect> flags (validation.spec_rules.claims_by_event)."""
    return claims_by_event(t.alias["claims"], effective)


def _status_usable(t: Tables) -> bool:
    return t.usable("events", "id", "status", "withdrawn_reason") and t.usable("claims", "event_id", "stance")


def _screen(t: Tables, rules: list[Rule]) -> tuple[set[int], bool]:
    """Indexes of rules that find nothing, and whether the status rule may find something.

    The rules of one table are counted together in one scan (with the joins they need: sources for
    the span rules; claims grouped by event for event-unsupported and the status rule).
    """
    clear: set[int] = set()
    status_hits = True
    by_table: dict[str, list[int]] = {}
    status = _status_usable(t)
    for i, rule in enumerate(rules):
        if not t.usable(rule.table, *rule.needs) or not all(t.usable(tb, *fs) for tb, fs in rule.joins):
            continue
        joined = {tb for tb, _ in rule.joins}
        if not joined or (joined == {"sources"} and not rule.join) or (rule.code == "event-unsupported" and status):
            by_table.setdefault(rule.table, []).append(i)
    if status:
        by_table.setdefault("events", [])
    for table, idx in by_table.items():
        t.say(f"checking domain rules: {table}")
        joined = {tb for i in idx for tb, _ in rules[i].joins}
        source = _SOURCE_JOIN.format(sources=t.alias["sources"]) if "sources" in joined else ""
        conditions = [rules[i].where if rules[i].code != "event-unsupported" else "f.event_id IS NULL" for i in idx]
        if table == "events" and status:
            source += f" LEFT JOIN ({_claims_by_event(t, effective=False)}) f ON f.event_id = t.id"
            derived = status_sql("t.withdrawn_reason IS NOT NULL")
            conditions.append(f"(coalesce(f.__effective, false) OR t.withdrawn_reason IS NOT NULL) AND t.status IS NOT NULL "
                              f"AND t.status <> ({derived})")
        counts = t.con.execute("SELECT " + ", ".join(f"count_if({c})" for c in conditions)
                               + f" FROM {t.alias[table]} t {source}").fetchall()[0]
        clear.update(i for i, n in zip(idx, counts) if not n)
        if table == "events" and status:
            status_hits = bool(counts[-1])
    return clear, status_hits


def check_domain(t: Tables) -> list[Problem]:
    problems = ProblemList()
    rules = _rules()
    clear, status_hits = _screen(t, rules)
    for i, rule in enumerate(rules):
        if i in clear:
            continue
        if not t.usable(rule.table, *rule.needs) or not all(t.usable(tb, *fs) for tb, fs in rule.joins):
            continue
        names = {tb: t.alias[tb] for tb, _ in rule.joins}
        extra = rule.join.format(**names) if rule.join else _SOURCE_JOIN.format(**names) if "sources" in names else ""
        where = rule.where.format(**names)
        data = t.tables[rule.table]
        for row, key, value in t.rows(rule.table, rule.value, where, extra, count=(problems, rule.code, rule.field)):
            if any(data.reported(f, row) for f in rule.needs):
                continue  # a cell the reader already reported (and read as empty) raises no follow-on problem
            problems.append(Problem(rule.code, rule.message, table=rule.table, field=rule.field, row=row, key=key, value=value, file=data.file))
    if status_hits:
        problems += _check_status(t)
    return problems


def _check_status(t: Tables) -> list[Problem]:
    """Each event's status must equal the status derived from its claims (iraq_frontiers.validation.status)."""
    if not (t.usable("events", "id", "status", "withdrawn_reason") and t.usable("claims", "event_id", "stance")):
        return []
    extra = f"LEFT JOIN ({_claims_by_event(t, effective=True)}) f ON f.event_id = t.id"
    derived = status_sql("t.withdrawn_reason IS NOT NULL")
    # Events without claims are reported as event-unsupported; their status is not judged here.
    where = f"(f.event_id IS NOT NULL OR t.withdrawn_reason IS NOT NULL) AND t.status IS NOT NULL AND t.status <> ({derived})"
    data = t.tables["events"]
    problems = ProblemList()
    for row, key, value in t.rows("events", f"t.status || '->' || ({derived})", where, extra, count=(problems, "status-inconsistent", "status")):
        problems.append(Problem("status-inconsistent", f"status is {value.split('->')[0]!r} but its claims give {value.split('->')[1]!r} "
                                "(rule: docs/data-dictionary.md#event-status)", table="events", field="status", row=row, key=key, value=value, file=data.file))
    return problems
