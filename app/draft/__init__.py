"""The drafter: an article's plain text in, a reviewable draft of its seed out (source
metadata, direct quotes, paraphrases, author statements, speakers and figures, each verbatim
with its span and notes where it is unsure). Rule-based, deterministic and offline.

`article.py` drafts; `text.py` segments; `header.py` reads metadata; `people.py` and
`attribution.py` find speakers and who said what; `quantities.py` finds figures (read by
`app.write.figures`); `places.py` names countries; `model.py` is the result."""

from app.draft.article import Metadata, draft_article
from app.draft.model import Draft, DraftClaim, DraftSource, DraftStatistic

__all__ = ["Draft", "DraftClaim", "DraftSource", "DraftStatistic", "Metadata", "draft_article"]
