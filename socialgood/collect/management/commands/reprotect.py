from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from socialgood.collect.reprotect import reprotect_projects
from socialgood.platforms.report import counted
from socialgood.projects.models import Project


class Command(BaseCommand):
    help = (
        "Apply today's pseudonymisation rules to posts already stored: handles, profile "
        "links and contact details that earlier versions left in the clear are replaced "
        "as an import would replace them now. Running it again changes nothing."
    )
    requires_system_checks = []  # as `import`: it needs only the database

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--project", metavar="SLUG")
        which.add_argument("--all", action="store_true", help="Every project.")

    def handle(self, *args, project, all, **options):
        projects = Project.objects.order_by("pk")
        if not all:
            projects = projects.filter(slug=project)
            if not projects.exists():
                raise CommandError(f"There is no project “{project}”.")
        bars = {}

        def progress(project, checked, total):
            if project not in bars:
                for bar in bars.values():
                    bar.close()
                bars[project] = tqdm(
                    total=total, unit=" posts", desc=f"Checking {project.slug}", disable=None
                )
            bars[project].total = total
            bars[project].update(checked - bars[project].n)

        unreadable = []
        done = reprotect_projects(projects, progress=progress)
        for bar in bars.values():
            bar.close()
        for found, changes in done:
            if changes is None:
                unreadable.append(found.slug)
            else:
                self.stdout.write(describe(changes, found))
        if unreadable:
            raise CommandError(
                f"The key of {counted(len(unreadable), 'project')} can't be read with this "
                f"master key, so nothing in them was changed: {', '.join(unreadable)}."
            )


def describe(changes, project):
    """What changed in a project, in a sentence or two."""
    parts = [
        counted(changes.posts, "post"),
        counted(changes.links, "link"),
        counted(changes.media, "media item"),
    ]
    if changes.withdrawn:
        parts.append(counted(changes.withdrawn, "withdrawn post's id", "withdrawn posts' ids"))
    if changes.imports:
        parts.append(counted(changes.imports, "import record"))
    text = f"{', '.join(parts[:-1])} and {parts[-1]} changed in project “{project.name}”."
    if changes.merged:
        text += (
            f" {counted(changes.merged, 'post was', 'posts were')} stored twice, once under an id "
            "with a name in it: merged into the copy under today's id, with their codings and memos."
        )
    if changes.results_removed:
        text += (
            f" {counted(changes.results_removed, 'analysis or export', 'analyses and exports')}"
            " made from the earlier texts were removed, as they may hold what was replaced:"
            " run them again."
        )
    return text
