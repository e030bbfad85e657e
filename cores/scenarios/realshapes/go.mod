module coroner/scenarios/realshapes

go 1.19
