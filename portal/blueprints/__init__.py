"""One package per blueprint; each has routes.py (exporting `bp`) and forms.py."""
