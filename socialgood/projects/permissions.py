"""Who may do what in a project: every permission rule of socialgood is in this module.

Views, the API and the CLI ask a `Permissions` object; nothing else looks at roles.
Tests walk every role through every rule (tests/projects/test_permissions.py).
"""

OWNER, ANALYST, CODER, VIEWER = "owner", "analyst", "coder", "viewer"
ROLES = (OWNER, ANALYST, CODER, VIEWER)
ROLE_LABELS = {
    OWNER: "Owner",
    ANALYST: "Analyst",
    CODER: "Coder",
    VIEWER: "Viewer",
}
ROLE_HELP = {
    OWNER: "Manages members, privacy and deletion; sees the audit log; can do everything an analyst can.",
    ANALYST: "Imports and collects posts, runs analyses and exports.",
    CODER: "Reads posts and codes them.",
    VIEWER: "Reads posts and results, changes nothing.",
}

# action -> roles allowed. One table, so the rules can be read (and reviewed) at a glance.
RULES = {
    "view_project": {OWNER, ANALYST, CODER, VIEWER},
    "view_posts": {OWNER, ANALYST, CODER, VIEWER},
    "view_jobs": {OWNER, ANALYST, CODER, VIEWER},
    "code_posts": {OWNER, ANALYST, CODER},
    "import_posts": {OWNER, ANALYST},
    "run_analysis": {OWNER, ANALYST},
    "export": {OWNER, ANALYST},
    "edit_project": {OWNER},
    "manage_members": {OWNER},
    "view_audit_log": {OWNER},
    "cancel_job": {OWNER},
    "delete_project": {OWNER},
    "delete_posts": {OWNER},
    "reidentify": {OWNER},
    "manage_codebook": {OWNER, ANALYST},
    "manage_rounds": {OWNER, ANALYST},
}
# A project's "who may export" setting narrows RULES["export"] (Project.export_policy).
EXPORT_POLICIES = {
    "owners": {OWNER},
    "owners_and_analysts": {OWNER, ANALYST},
}
ACTIONS = tuple(RULES)


class Permissions:
    """What one person (by their role in a project, or None for non-members) may do."""

    def __init__(self, role, export_policy="owners_and_analysts"):
        self.role = role
        self.export_policy = export_policy

    def can(self, action):
        if action not in RULES:
            raise KeyError(f"Unknown permission {action!r}")
        allowed = RULES[action]
        if action == "export":
            allowed = allowed & EXPORT_POLICIES[self.export_policy]
        return self.role in allowed

    @property
    def is_member(self):
        return self.role in ROLES

    def __getattr__(self, name):
        # Templates read `perms.can_export`; keep that spelling for every rule.
        if name.startswith("can_") and name[4:] in RULES:
            return self.can(name[4:])
        raise AttributeError(name)
