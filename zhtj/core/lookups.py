"""`field__any_of=<subquery>`: `field = ANY(ARRAY(subquery))` on PostgreSQL, `IN (subquery)` elsewhere.

"Waits for an org as the direct superior" is an OR of conditions, some on the org's sub-orgs. Written
as IN (subquery) inside an OR, PostgreSQL checks every row against a hashed sub-plan (a full scan of
the table: tens of milliseconds per 操作中心 count at national scale). Written as = ANY(ARRAY(...)),
the sub-select becomes an init-plan run once and each OR arm an index scan (about a millisecond).
The subquery must select one column (`.values("pk")`).
"""

from django.db.models import Field, ForeignObject, Lookup


@Field.register_lookup
@ForeignObject.register_lookup  # foreign keys only look up what is registered on ForeignObject
class AnyOf(Lookup):
    lookup_name = "any_of"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(ARRAY{rhs})", (*lhs_params, *rhs_params)
        return f"{lhs} IN {rhs}", (*lhs_params, *rhs_params)
