"""Discord's platform limits (see shared/research/discord-notes.md §7) and our content caps."""

# Discord message and embed limits.
MESSAGE_CONTENT = 2000
EMBED_TOTAL = 6000
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER = 2048
EMBEDS_PER_MESSAGE = 10
BUTTONS_PER_ROW = 5
ROWS_PER_MESSAGE = 5
BUTTON_LABEL = 80
AUTOCOMPLETE_CHOICES = 25
CHOICE_NAME = 100
MODAL_TITLE = 45
TEXT_INPUT = 4000

# Content caps in the knowledge base, chosen so a rendered field always fits FIELD_VALUE.
NAME = 100
REASON = 450
QUOTE = 700
SUMMARY = 600
FACT_TEXT = 300
URL = 512
TITLE = 200
MODERATOR_NOTE = 2000  # never shown to members
