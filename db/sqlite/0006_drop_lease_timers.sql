-- Custom SQL migration file, put your code below! ---- Lease expiry moved from timer rows to attempts.expires_at (0005); old LEASE rows would never fire.
DELETE FROM `timers` WHERE `kind` = 'LEASE';
