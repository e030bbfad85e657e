module coroner/scenarios/grows

go 1.19
