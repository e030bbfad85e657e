module coroner/scenarios/shapes

go 1.19
