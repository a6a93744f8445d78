-- 0015_members_role_partial: members_role holds only the members whose role is not Member
-- (the owner and the admins). Every modify_group_member_info writes the member's role
-- back, and SQLite rewrites the entry of every index whose column an UPDATE sets, so
-- with every member in the index each write of a member dirtied a page of the index
-- too. The index serves counting and listing admins; a query that uses it repeats the
-- index's condition, role <> 'Member', word for word, as SQLite requires.
DROP INDEX members_role;
CREATE INDEX members_role ON members (app, group_id, role) WHERE role <> 'Member';
