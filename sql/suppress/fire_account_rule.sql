-- One account-scope rule: the accounts its condition selects (sp_fired), one decision per
-- account in `suppressions` (contact_type NULL), and a hit on each of the account's contact
-- points of the rule's roles and contact types.
-- Template (sql.render), slots: `when` is the rule's validated SQL condition over sp_account,
-- `detail` its optional SQL detail expression (NULL when it has none), appended to the reason.
CREATE OR REPLACE TEMP TABLE sp_fired AS
SELECT account_id, coalesce($reason || ': ' || ({{detail}}), $reason) AS reason
FROM sp_account
WHERE ({{when}});

INSERT INTO suppressions (run_id, account_id, contact_type, contact_key, rule, action, reason,
                          regulation)
SELECT $run_id, account_id, NULL, NULL, $rule_id, $action, reason, $regulation FROM sp_fired;

INSERT INTO sp_hits
SELECT c.rid, $ord, $action, f.reason
FROM sp_fired f JOIN sp_contact c ON c.account_id = f.account_id
WHERE list_contains($roles, c.role) AND list_contains($contact_types, c.contact_type);
