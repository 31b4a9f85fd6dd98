from django import forms
from django.contrib.auth import get_user_model

from socialgood.analyze.models import Subset
from socialgood.coding.models import AutoRule, Code
from socialgood.coding.rounds import STRATA


class CodeForm(forms.ModelForm):
    class Meta:
        model = Code
        fields = [
            "name",
            "parent",
            "colour",
            "definition",
            "inclusion",
            "exclusion",
            "examples",
            "is_codable",
        ]
        labels = {"is_codable": "Can be applied (untick for a folder of sub-codes)"}
        widgets = {
            "colour": forms.TextInput(attrs={"type": "color"}),
            "definition": forms.Textarea(attrs={"rows": 3}),
            "inclusion": forms.Textarea(attrs={"rows": 2}),
            "exclusion": forms.Textarea(attrs={"rows": 2}),
            "examples": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        parents = Code.objects.filter(project=project, retired_at=None)
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents
        self.fields["parent"].required = False
        self.fields["parent"].label = "Sub-code of"


class RoundForm(forms.Form):
    name = forms.CharField(max_length=200)
    coders = forms.ModelMultipleChoiceField(
        queryset=get_user_model().objects.none(), widget=forms.CheckboxSelectMultiple
    )
    size = forms.IntegerField(min_value=1, max_value=100_000, initial=50, label="Posts to sample")
    stratify = forms.ChoiceField(
        choices=[(s, {"": "No (simple random sample)"}.get(s, f"By {s}")) for s in STRATA],
        required=False,
        label="Stratify",
    )
    seed = forms.IntegerField(
        help_text="The same seed draws the same sample again; note it in your methods section."
    )
    subset = forms.ModelChoiceField(
        queryset=Subset.objects.none(),
        required=False,
        label="Draw from a saved subset",
        empty_label="All posts of the project",
    )
    hashtag = forms.CharField(required=False, label="Only posts with this hashtag")
    platform = forms.CharField(required=False, label="Only posts from this platform")
    blind = forms.BooleanField(
        required=False,
        initial=True,
        label="Blind: coders see only their own codes until the round closes",
    )

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subset"].queryset = Subset.objects.filter(project=project)
        self.fields["coders"].queryset = (
            get_user_model()
            .objects.filter(
                memberships__project=project, memberships__role__in=["owner", "analyst", "coder"]
            )
            .order_by("username")
        )


class RuleForm(forms.Form):
    code = forms.ModelChoiceField(queryset=Code.objects.none())
    kind = forms.ChoiceField(choices=AutoRule.Kind.choices, label="Match by")
    pattern = forms.CharField(
        max_length=500,
        label="Look for",
        help_text="A hashtag, word, regular expression, author pseudonym, platform, or dates as 2026-01-01..2026-03-31.",
    )

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].queryset = Code.objects.filter(
            project=project, retired_at=None, is_codable=True
        )


class UploadForm(forms.Form):
    file = forms.FileField()
