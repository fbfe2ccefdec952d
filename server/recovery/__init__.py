"""After a restore: the server's generations, backups, and taking back from phones
what a restored database lost (sync/README.md, "After a restore")."""
