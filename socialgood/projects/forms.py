from django import forms
from django.contrib.auth import get_user_model

from socialgood.projects.models import Membership, Project
from socialgood.projects.permissions import ROLE_HELP


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = ["name", "description", "ethics_reference"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "name": "A short name your team will recognise, e.g. “Caregiver burnout on Bluesky”.",
            "description": "What you study and why. Shown to everyone in the project.",
        }


class AddMemberForm(forms.Form):
    username = forms.CharField(
        label="Username", help_text="The person must already have a socialgood account."
    )
    role = forms.ChoiceField(
        choices=Membership.Role.choices,
        initial="coder",
        help_text=" ".join(
            f"{label}: {ROLE_HELP[value]}" for value, label in Membership.Role.choices
        ),
    )

    def __init__(self, *args, project, **kwargs):
        self.project = project
        super().__init__(*args, **kwargs)

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        user = get_user_model().objects.filter(username__iexact=username, is_active=True).first()
        if user is None:
            raise forms.ValidationError(f"There is no account called “{username}”.")
        if self.project.memberships.filter(user=user).exists():
            raise forms.ValidationError(f"{user.username} is already a member of this project.")
        return user


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Membership.Role.choices)


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=100, initial="API token", help_text="What the token is for, e.g. “R notebook”."
    )
