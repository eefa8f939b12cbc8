-- One contact-scope rule: the contact points of its roles and contact types that its condition
-- selects (sp_fired), one decision each in `suppressions`, and one hit each.
-- Template (sql.render), slots: `when` is the rule's validated SQL condition over sp_contact,
-- `detail` its optional SQL detail expression (NULL when it has none), appended to the reason.
CREATE OR REPLACE TEMP TABLE sp_fired AS
SELECT rid, account_id, contact_type, contact_key, role,
       coalesce($reason || ': ' || ({{detail}}), $reason) AS reason
FROM sp_contact
WHERE ({{when}}) AND list_contains($roles, role) AND list_contains($contact_types, contact_type);

INSERT INTO suppressions (run_id, account_id, contact_type, contact_key, rule, action, reason,
                          regulation, role)
SELECT $run_id, account_id, contact_type, contact_key, $rule_id, $action, reason, $regulation, role
FROM sp_fired;

INSERT INTO sp_hits
SELECT rid, $ord, $action, reason FROM sp_fired;
