-- Fold each contact point's hits (sp_hits) into its status, hold, dial mode and reasons.
--
-- Two statements, not one `UPDATE ... FROM (grouped hits)`: group the hits by the rowid of the
-- row they change, sorted (sp_effects), then update by rowid, because DuckDB applies an
-- UPDATE's rows in the order its join delivers them and scattered rows cost it far more than
-- rows in table order (matchers/suppress.py `_apply_effects` tells the measured story). The
-- hits carry the rowid from sp_contact, so no join back to contact_points on the four text
-- keys is needed (5.4 s at 1M accounts, 2.6M hits on 2.3M of 5.3M points). The rowids stay
-- valid: every statement runs in apply_suppressions' transaction.
--
-- Template (sql.render), fragments generated from matchers/suppress.py constants:
-- `suppressing` the quoted actions that suppress (SUPPRESSING), `prefix` the WHEN branches
-- that announce each action at the front of its reason (PREFIX).
CREATE OR REPLACE TEMP TABLE sp_effects AS
SELECT rid,
       bool_or(action IN ({{suppressing}})) AS suppress,
       bool_or(action = 'hold') AS hold,
       bool_or(action = 'manual_dial_only') AS manual,
       -- what stops or holds the contact comes first, then the rules in file order: a hold from
       -- a collector's dispute (an outcome rule, late in the file) used to follow the
       -- manual-dial note, and the hold is what a collector must see first
       string_agg((CASE action {{prefix}} ELSE '' END) || reason, '; '
                  ORDER BY CASE WHEN action IN ({{suppressing}}) THEN 0
                                WHEN action = 'hold' THEN 1 ELSE 2 END, ord) AS reasons
FROM sp_hits
GROUP BY rid
ORDER BY rid;

UPDATE contact_points cp
SET status = CASE WHEN e.suppress THEN 'suppressed' ELSE cp.status END,
    on_hold = e.hold,
    dial_mode = CASE WHEN e.manual AND cp.dial_mode IS NOT NULL THEN 'manual' ELSE cp.dial_mode END,
    reasons = concat_ws('; ', e.reasons, cp.reasons)
FROM sp_effects e
WHERE cp.rowid = e.rid;
