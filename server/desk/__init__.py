"""The one-stop desk: the commune's queue, and the actions that move a dossier
through the national states, each pulled back to the person's device."""
