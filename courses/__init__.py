"""Course packages on disk, the catalog, the lesson player, enrolment and progress."""
