def status(request, token):  # placeholder
    raise NotImplementedError
