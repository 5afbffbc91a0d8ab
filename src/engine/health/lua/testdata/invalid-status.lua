return { status = "Great", message = "everything is fine" }
