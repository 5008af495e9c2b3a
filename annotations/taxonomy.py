"""The default sourcing taxonomy: what a new installation's label set starts with.

The guideline wording is the project's annotation guidelines (see the development data's
README); admins may edit it in the app. A data migration seeds it.
"""

DEFAULT_LABELS = [
    {
        "slug": "named_source",
        "name": "Named source",
        "kind": "source",
        "shortcut": "n",
        "colour": "#2563eb",
        "description": (
            "A named person or organisation given as the source of information, including an "
            'institution speaking officially ("Egypt denied", "Russian Defense Ministry", '
            '"a spokesman for Disney").'
        ),
    },
    {
        "slug": "anonymous_source",
        "name": "Anonymous source",
        "kind": "source",
        "shortcut": "a",
        "colour": "#dc2626",
        "description": (
            'Unnamed people whose identity is withheld ("U.S. officials, who spoke on condition '
            'of anonymity", "Egyptian security sources", "a person familiar with the matter"), '
            'even when their organisation is named. A pronoun that refers to such a source ("They '
            'added") is one too.'
        ),
    },
    {
        "slug": "outlet",
        "name": "Outlet",
        "kind": "source",
        "shortcut": "o",
        "colour": "#7c3aed",
        "description": (
            "Another news organisation, its report or its reporter credited with the information "
            '("Reuters first broke the story", "according to a Bloomberg report").'
        ),
    },
    {
        "slug": "denial",
        "name": "Denial",
        "kind": "cue",
        "shortcut": "d",
        "colour": "#ea580c",
        "description": (
            'The words with which a party denies or rejects a claim ("denied", "has dismissed '
            'the accusation"). Not an action such as "rejected the plan", and not a negated cue '
            'such as "did not dispute".'
        ),
    },
    {
        "slug": "no_comment",
        "name": "No comment",
        "kind": "cue",
        "shortcut": "c",
        "colour": "#ca8a04",
        "description": (
            'A refusal to comment or an absent answer ("declined to comment", "declined to '
            'discuss its mission", "did not immediately provide comment", "could not be reached '
            'for comment"). Not "declined to endorse".'
        ),
    },
    {
        "slug": "hedge",
        "name": "Hedge",
        "kind": "marker",
        "shortcut": "h",
        "colour": "#0891b2",
        "description": (
            'A marker that a claim is unverified ("allegedly", "reportedly", "appears to", '
            '"apparent").'
        ),
    },
    {
        "slug": "unattributed",
        "name": "Unattributed",
        "kind": "marker",
        "shortcut": "u",
        "colour": "#64748b",
        "description": "An assertion of fact or opinion that the article makes with no source.",
    },
    {
        "slug": "reporting",
        "name": "Reporting cue",
        "kind": "cue",
        "shortcut": "r",
        "colour": "#be185d",
        "description": (
            "The words that attribute a statement to its source: a reporting verb or phrase "
            '("said", "told", "added", "according to", "describing"). Link it to its source '
            'with "Belongs to source". Denials and refusals to comment have their own labels.'
        ),
    },
    {
        "slug": "statement",
        "name": "Statement",
        "kind": "content",
        "shortcut": "s",
        "colour": "#4d7c0f",
        "description": (
            "What a source is said to have said: a direct quotation (inside the quotation "
            'marks) or the reported clause ("said [the United States has observed ...]", '
            '"according to X, [...]"), or what a denial denies. Link it to its cue (a reporting '
            'cue, a denial or a no comment) with "Said via"; a statement with no cue rests on '
            "no one."
        ),
    },
]

# The labels of attribution triples (issue 19): a statement links to its cue, the cue to its
# source; added to existing installations by migration 0008.
ATTRIBUTION_SLUGS = ("reporting", "statement")
