# Traces privées : partage élargi d’une publication.

notification-shared = { $name } a partagé votre publication dans { $community }
