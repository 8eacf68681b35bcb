# Private traces: a publication shared with a wider audience.

notification-shared = { $name } shared your publication in { $community }
