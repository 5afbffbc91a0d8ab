print("replicas", obj.spec.replicas, 10 / 2)
return { status = "Healthy" }
